import type { FastifyInstance } from 'fastify';
import { badRequest, notFound } from '../../../platform/errors.js';
import { boolParam, isObj } from '../../../platform/http/validate.js';
import { authorize, body, params, q, v3Route, type ApiDeps } from './common.js';
import { POOL_CAPABILITIES, POOL_NAME } from '../model/services.js';
import { minorVersion } from './versions.js';

/** The integer limits of a quota set body (numeric strings accepted, as Cinder does). */
function quotaValues(b: Record<string, unknown>, key: string): Record<string, number> {
  const set = b[key];
  if (!isObj(set)) throw badRequest(`Missing required element ${key} in request body.`);
  const values: Record<string, number> = {};
  for (const [k, v] of Object.entries(set)) {
    if (k === 'tenant_id' || k === 'id' || k === 'class_name') continue;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`Invalid input received: Quota value ${JSON.stringify(v)} for ${k} must be an integer.`);
    values[k] = n;
  }
  return values;
}

/** Quotas, limits, availability zones, services and pools. */
export function registerMiscRoutes(app: FastifyInstance, d: ApiDeps): void {
  v3Route(app, 'GET', '/os-quota-sets/:target', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:show', { project_id: target });
    if (q(req).usage !== undefined && boolParam(q(req).usage)) {
      return { quota_set: { id: target, ...(await d.quotas.detail(target)) } };
    }
    return { quota_set: { id: target, ...(await d.quotas.limits(target)) } };
  });
  v3Route(app, 'GET', '/os-quota-sets/:target/defaults', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:show', { project_id: target });
    return { quota_set: { id: target, ...(await d.quotas.defaults()) } };
  });
  v3Route(app, 'PUT', '/os-quota-sets/:target', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:update', { project_id: target });
    await d.quotas.update(target, quotaValues(body(req), 'quota_set'));
    return { quota_set: await d.quotas.limits(target) };
  });
  v3Route(app, 'GET', '/os-quota-class-sets/:class', async (req) => {
    authorize(req, 'volume_extension:quota_classes');
    return { quota_class_set: { id: params(req).class, ...(await d.quotas.classLimits(params(req).class)) } };
  });
  v3Route(app, 'PUT', '/os-quota-class-sets/:class', async (req) => {
    authorize(req, 'volume_extension:quota_classes');
    await d.quotas.updateClass(params(req).class, quotaValues(body(req), 'quota_class_set'));
    return { quota_class_set: await d.quotas.classLimits(params(req).class) };
  });
  v3Route(app, 'DELETE', '/os-quota-sets/:target', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:delete', { project_id: target });
    await d.quotas.reset(target);
    return '';
  });

  v3Route(app, 'GET', '/limits', async (req) => {
    const auth = authorize(req, 'limits_extension:used_limits');
    const project = auth.projectId ?? '';
    const [limits, used] = [await d.quotas.limits(project), await d.quotas.usage(project)];
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalVolumes: limits.volumes,
          maxTotalSnapshots: limits.snapshots,
          maxTotalVolumeGigabytes: limits.gigabytes,
          maxTotalBackups: limits.backups,
          maxTotalBackupGigabytes: limits.backup_gigabytes,
          totalVolumesUsed: used.volumes,
          totalSnapshotsUsed: used.snapshots,
          totalGigabytesUsed: used.gigabytes,
          totalBackupsUsed: used.backups,
          totalBackupGigabytesUsed: used.backup_gigabytes,
        },
      },
    };
  });

  v3Route(app, 'GET', '/os-availability-zone', async (req) => {
    authorize(req, 'volume_extension:availability_zone_list');
    return { availabilityZoneInfo: [{ zoneName: d.settings.availabilityZone, zoneState: { available: true } }] };
  });

  // One process hosts every Cinder role; the services are as up as this process.
  const started = new Date().toISOString().replace(/\.\d+Z$/, '.000000');
  v3Route(app, 'GET', '/os-services', async (req) => {
    authorize(req, 'volume_extension:services:index');
    const zone = d.settings.availabilityZone;
    const cluster = minorVersion(req) >= 7 ? { cluster: null } : {};
    const services = (await d.services.list()).map((s) => ({
      binary: s.binary,
      host: s.host,
      zone,
      status: s.disabled ? 'disabled' : 'enabled',
      state: 'up',
      updated_at: s.updated_at ? s.updated_at.replace(/\.\d+Z$/, '.000000') : started,
      disabled_reason: s.disabled_reason,
      frozen: !!s.frozen,
      ...cluster,
      replication_status: s.binary === 'cinder-volume' ? 'disabled' : undefined,
    }));
    const query = q(req);
    // Cinder's host filter matches the host and its back ends (`host@backend`, `host@backend#pool`).
    const onHost = (host: string) => !query.host || host === query.host || host.startsWith(`${query.host}@`) || host.startsWith(`${query.host}#`);
    return { services: services.filter((s) => (!query.binary || s.binary === query.binary) && onHost(s.host)) };
  });

  // PUT /os-services/{enable,disable,disable-log-reason,freeze,thaw}, as cinderclient sends them.
  v3Route(app, 'PUT', '/os-services/:action', async (req) => {
    authorize(req, 'volume_extension:services:update');
    const b = body(req);
    const action = params(req).action;
    if (action === 'freeze' || action === 'thaw') {
      if (typeof b.host !== 'string' || !b.host) throw badRequest('Missing required element host in request body.');
      await d.services.setFrozen(b.host, action === 'freeze');
      return '';
    }
    if (!['enable', 'disable', 'disable-log-reason'].includes(action)) throw notFound(`Unknown action ${action}.`);
    if (typeof b.host !== 'string' || typeof b.binary !== 'string') throw badRequest('Missing required element host or binary in request body.');
    const reason = action === 'disable-log-reason' ? b.disabled_reason : null;
    if (action === 'disable-log-reason' && (typeof reason !== 'string' || !reason.trim() || reason.length > 255)) throw badRequest('Disabled reason contains invalid characters or is too long');
    const s = await d.services.setDisabled(b.binary, b.host, action !== 'enable', reason as string | null);
    const status = s.disabled ? 'disabled' : 'enabled';
    return { host: s.host, service: s.binary, binary: s.binary, disabled: !!s.disabled, status, ...(action !== 'disable' ? { disabled_reason: s.disabled_reason } : {}) };
  });

  v3Route(app, 'GET', '/scheduler-stats/get_pools', async (req) => {
    authorize(req, 'scheduler_extension:scheduler_stats:get_pools');
    const pool = { name: POOL_NAME };
    if (!(q(req).detail && boolParam(q(req).detail))) return { pools: [pool] };
    return { pools: [{ ...pool, capabilities: POOL_CAPABILITIES }] };
  });
}
