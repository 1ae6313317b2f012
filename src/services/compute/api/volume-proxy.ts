import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { isoNaive } from '../../../platform/ids.js';
import { optString, query, wrapped } from '../../../platform/http/validate.js';
import type { SnapshotInfo, VolumeClient, VolumeInfo } from '../../volume/client.js';
import { novaBool, type ComputeApi } from './common.js';
import { stringMap } from './servers.js';

// Nova's block storage proxy (`os-volumes`, `os-snapshots`), deprecated and gone at 2.36.

function renderVolume(v: VolumeInfo) {
  return {
    id: v.id,
    status: v.status,
    size: v.size,
    availabilityZone: v.availability_zone,
    createdAt: isoNaive(v.created_at),
    // Nova shows `[{}]` for a volume without attachments.
    attachments: v.attachments.length ? v.attachments.map((a) => ({ id: v.id, volumeId: v.id, serverId: a.server_id, ...(a.device ? { device: a.device } : {}) })) : [{}],
    displayName: v.name,
    displayDescription: v.description,
    volumeType: v.volume_type,
    snapshotId: v.snapshot_id,
    metadata: v.metadata,
  };
}

const renderSnapshot = (s: SnapshotInfo) => ({
  id: s.id,
  volumeId: s.volume_id,
  status: s.status,
  size: s.size,
  createdAt: isoNaive(s.created_at),
  displayName: s.name,
  displayDescription: s.description,
});

/** Cinder's 404 in Nova's words; other errors as they are. */
async function cinder<T>(what: string, id: string, op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) throw notFound(`${what} ${id} could not be found.`);
    throw e;
  }
}

/** Nova's `limit`/`offset` of these lists. */
function page<T>(req: FastifyRequest, list: T[]): T[] {
  const q = query(req.query);
  const num = (name: string) => {
    if (q[name] === undefined) return undefined;
    if (!/^\d+$/.test(q[name])) throw badRequest(`Invalid input for query parameters ${name}. Value: ${q[name]}.`);
    return Number(q[name]);
  };
  const offset = num('offset') ?? 0;
  const limit = num('limit') ?? 1000;
  return list.slice(offset, offset + limit);
}

export function registerVolumeProxyRoutes(app: FastifyInstance, api: ComputeApi): void {
  const volumes = (req: FastifyRequest): VolumeClient => {
    if (req.mv >= 36) throw notFound('The resource could not be found.');
    const v = api.model.peers().volume;
    if (!v) throw notFound('The resource could not be found.');
    return v;
  };
  const findVolume = async (req: FastifyRequest, id: string) => {
    const v = await volumes(req).getVolume(req.auth, id);
    if (!v) throw notFound(`Volume ${id} could not be found.`);
    return v;
  };

  for (const path of ['/v2.1/os-volumes', '/v2.1/os-volumes/detail']) {
    app.get(path, async (req) => {
      // `/os-volumes/` names an empty volume id (Nova: 404), not the listing.
      if (req.url.split('?')[0].endsWith('/')) throw notFound('Volume  could not be found.');
      return { volumes: page(req, await volumes(req).listVolumes(req.auth)).map(renderVolume) };
    });
  }
  app.get<{ Params: { id: string } }>('/v2.1/os-volumes/:id', async (req) => ({ volume: renderVolume(await findVolume(req, req.params.id)) }));
  app.post('/v2.1/os-volumes', async (req) => {
    const client = volumes(req);
    const b = wrapped(req.body, 'volume');
    const size = typeof b.size === 'string' && /^\d+$/.test(b.size) ? Number(b.size) : b.size;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) throw badRequest(`Invalid input for field/attribute size. Value: ${JSON.stringify(b.size)}. It must be an integer of at least 1`);
    const v = await client.createVolume(req.auth, {
      size,
      name: optString(b, 'display_name', { max: 255, nullable: true }),
      description: optString(b, 'display_description', { max: 255, nullable: true }),
      metadata: stringMap(b, 'metadata'),
      availabilityZone: optString(b, 'availability_zone', { max: 255, nullable: true }) ?? undefined,
      volumeType: optString(b, 'volume_type', { max: 255, nullable: true }) ?? undefined,
      snapshotId: optString(b, 'snapshot_id', { nullable: true }) ?? undefined,
    });
    return { volume: renderVolume(v) };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/os-volumes/:id', async (req, reply) => {
    const client = volumes(req);
    await cinder('Volume', req.params.id, () => client.removeVolume(req.auth, req.params.id));
    reply.code(202);
    return '';
  });

  const findSnapshot = async (req: FastifyRequest, id: string) => {
    const s = await volumes(req).getSnapshot(req.auth, id);
    if (!s) throw notFound(`Snapshot ${id} could not be found.`);
    return s;
  };
  for (const path of ['/v2.1/os-snapshots', '/v2.1/os-snapshots/detail']) {
    app.get(path, async (req) => ({ snapshots: page(req, await volumes(req).listSnapshots(req.auth)).map(renderSnapshot) }));
  }
  app.get<{ Params: { id: string } }>('/v2.1/os-snapshots/:id', async (req) => ({ snapshot: renderSnapshot(await findSnapshot(req, req.params.id)) }));
  app.post('/v2.1/os-snapshots', async (req) => {
    const client = volumes(req);
    const b = wrapped(req.body, 'snapshot');
    const volumeId = optString(b, 'volume_id');
    if (!volumeId) throw badRequest("Invalid input for field/attribute snapshot. 'volume_id' is a required property");
    const s = await cinder('Volume', volumeId, () =>
      client.createSnapshot(req.auth, {
        volumeId,
        name: optString(b, 'display_name', { max: 255, nullable: true }),
        description: optString(b, 'display_description', { max: 255, nullable: true }),
        force: novaBool(b, 'force') ?? false,
      }),
    );
    return { snapshot: renderSnapshot(s) };
  });
  app.delete<{ Params: { id: string } }>('/v2.1/os-snapshots/:id', async (req, reply) => {
    const client = volumes(req);
    await cinder('Snapshot', req.params.id, () => client.removeSnapshot(req.auth, req.params.id));
    reply.code(202);
    return '';
  });
}
