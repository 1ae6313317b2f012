import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { isObj, optInt, optString, query, type Obj } from '../../../platform/http/validate.js';
import { allowed, enforce } from '../../../platform/policy.js';
import { stateConflict } from '../model/lifecycle.js';
import type { ServerRow } from '../store/tables.js';
import { computePolicy } from '../policy.js';
import { changesWindow, isUuid, nextLinks, paging, renderCtx, type ComputeApi } from './common.js';
import { isoNaive } from '../../../platform/ids.js';
import { legacyConsoleAction } from './consoles.js';
import { addFloatingIp, removeFloatingIp } from './network-proxy.js';
import { renderServer } from './render.js';
import { parseDiskConfig, parsePersonality, stringMap } from './servers.js';
import { newAdminPass } from '../model/servers.js';

type Handler = (api: ComputeApi, req: FastifyRequest, row: ServerRow, arg: unknown) => Promise<{ status: number; body?: unknown; location?: string }>;

const accepted = { status: 202 };
const simple =
  (action: string, apiName = action, params: Record<string, unknown> = {}): Handler =>
  async (api, req, row) => {
    await api.lifecycle.start(req.auth, row, action, req.id, params, apiName);
    return accepted;
  };

const obj = (arg: unknown, name: string): Obj => {
  if (arg === null || arg === undefined) return {};
  if (!isObj(arg)) throw badRequest(`Invalid input for field/attribute ${name}. Value: ${JSON.stringify(arg)}. It is not of type 'object'`);
  return arg;
};

/** Server actions (`POST /servers/{id}/action`), by the body's single key. */
const HANDLERS: Record<string, Handler> = {
  reboot: async (api, req, row, arg) => {
    const type = optString(obj(arg, 'reboot'), 'type');
    if (type === undefined || !['SOFT', 'HARD'].includes(String(type).toUpperCase())) throw badRequest(`Invalid input for field/attribute type. Value: ${type}. It is not one of ['HARD', 'Hard', 'SOFT', 'Soft']`);
    const hard = String(type).toUpperCase() === 'HARD';
    // Nova: a soft reboot needs a running guest; a hard one also recovers stopped, paused, suspended and error.
    if (!hard && row.vm_state !== 'active') throw stateConflict('reboot', row);
    await api.lifecycle.start(req.auth, row, 'reboot', req.id, { hard });
    return accepted;
  },
  'os-stop': simple('stop'),
  'os-start': simple('start'),
  pause: simple('pause'),
  unpause: simple('unpause'),
  suspend: simple('suspend'),
  resume: simple('resume'),
  shelve: simple('shelve'),
  shelveOffload: async (_api, _req, row) => {
    // Shelving already offloads (shelved_offload_time = 0): only a shelved server could be offloaded.
    throw stateConflict('shelveOffload', row);
  },
  unshelve: async (api, req, row, arg) => {
    // 2.77: another availability zone; 2.91: a host (admins), or null to unpin the zone.
    const a = obj(arg, 'unshelve');
    const zone = req.mv >= 77 ? optString(a, 'availability_zone', { nullable: true, max: 255 }) : undefined;
    const host = req.mv >= 91 ? optString(a, 'host', { max: 255 }) : undefined;
    if (host) {
      enforce(computePolicy, 'server:migrate', req.auth);
      if (!(await api.model.hostState.get(host))) throw badRequest(`Compute host ${host} could not be found.`);
    }
    if (zone && !(await api.model.driver.hosts()).some((h) => h.zone === zone)) throw badRequest(`The requested availability zone is not available`);
    await api.lifecycle.start(req.auth, row, 'unshelve', req.id, { ...(host ? { host } : {}), ...(zone !== undefined ? { zone } : {}) });
    return accepted;
  },
  lock: async (api, req, row, arg) => {
    const reason = req.mv >= 73 ? (optString(obj(arg, 'lock'), 'locked_reason', { max: 255 }) ?? null) : null;
    await api.lifecycle.setLock(req.auth, row, true, reason, req.id);
    return accepted;
  },
  unlock: async (api, req, row) => {
    await api.lifecycle.setLock(req.auth, row, false, null, req.id);
    return accepted;
  },
  resize: async (api, req, row, arg) => {
    const a = obj(arg, 'resize');
    const ref = typeof a.flavorRef === 'number' ? String(a.flavorRef) : optString(a, 'flavorRef');
    if (!ref) throw badRequest("Invalid input for field/attribute resize. 'flavorRef' is a required property");
    const flavor = await api.model.flavors.find(req.auth, ref).catch(() => {
      throw badRequest(`Flavor ${ref} could not be found.`);
    });
    if (flavor.id === row.flavor_id) throw badRequest('When resizing, instances must change flavor!');
    if (flavor.disk < row.root_gb && flavor.disk !== 0) throw badRequest('Resize error: Unable to resize disk down.');
    await api.model.quotas.check(row.project_id, { cores: Math.max(0, flavor.vcpus - row.vcpus), ram: Math.max(0, flavor.ram - row.memory_mb) });
    const diskConfig = parseDiskConfig(a);
    await api.lifecycle.start(req.auth, row, 'resize', req.id, { flavor, exclude: false, ...(diskConfig ? { diskConfig } : {}) });
    return accepted;
  },
  migrate: async (api, req, row) => {
    enforce(computePolicy, 'server:migrate', req.auth);
    const flavor = JSON.parse(row.flavor) as object;
    await api.lifecycle.start(req.auth, row, 'resize', req.id, { flavor, exclude: true }, 'migrate');
    return accepted;
  },
  rescue: async (api, req, row, arg) => {
    const a = obj(arg, 'rescue');
    const imageRef = optString(a, 'rescue_image_ref') ?? undefined;
    const image = imageRef ? await api.model.peers().image?.getImage(req.auth, imageRef) : undefined;
    if (imageRef && !image) throw badRequest(`Image ${imageRef} could not be found.`);
    // Nova rescues a volume-backed server only as a stable device rescue: since 2.87, with a rescue
    // image that names the rescue device and bus.
    const stable = req.mv >= 87 && image !== undefined && 'hw_rescue_bus' in image.properties && 'hw_rescue_device' in image.properties;
    if (row.image_id === null && !stable) throw badRequest(`Instance ${row.id} cannot be rescued: Cannot rescue a volume-backed instance`);
    await api.lifecycle.start(req.auth, row, 'rescue', req.id, { imageId: imageRef });
    return { status: 200, body: { adminPass: optString(a, 'adminPass') ?? newAdminPass() } };
  },
  unrescue: simple('unrescue'),
  'os-migrateLive': async (api, req, row, arg) => {
    enforce(computePolicy, 'server:migrate', req.auth);
    if (!api.model.driver.capabilities.supportsLiveMigration) throw badRequest('Live migration is not supported by the hypervisor driver.');
    const a = obj(arg, 'os-migrateLive');
    if (!('host' in a)) throw badRequest("Invalid input for field/attribute os-migrateLive. 'host' is a required property");
    const host = optString(a, 'host', { nullable: true, max: 255 }) ?? undefined;
    if (host && !(await api.model.hostState.get(host))) throw badRequest(`Compute host ${host} could not be found.`);
    await api.lifecycle.start(req.auth, row, 'liveMigrate', req.id, { host }, 'live-migration');
    return accepted;
  },
  confirmResize: async (api, req, row) => {
    await api.lifecycle.confirmResize(req.auth, row, req.id);
    return { status: 204 };
  },
  revertResize: simple('revertResize'),
  rebuild: async (api, req, row, arg) => {
    const a = obj(arg, 'rebuild');
    const imageRef = optString(a, 'imageRef');
    if (!imageRef || !isUuid(imageRef)) throw badRequest("Invalid input for field/attribute rebuild. 'imageRef' is a required property and must be a uuid");
    const images = api.model.peers().image;
    const image = images ? await images.getImage(req.auth, imageRef) : undefined;
    if (!image) throw badRequest('Can not find requested image');
    if (image.status !== 'active') throw badRequest(`Image ${imageRef} is not active.`);
    const flavor = JSON.parse(row.flavor) as { ram: number; disk: number };
    if (image.min_ram > flavor.ram) throw badRequest("Flavor's memory is too small for requested image.");
    if (flavor.disk && image.min_disk > flavor.disk) throw badRequest("Flavor's disk is too small for requested image.");
    const name = optString(a, 'name', { max: 255, min: 1 }) ?? undefined;
    const metadata = a.metadata !== undefined ? stringMap(a, 'metadata') : undefined;
    // Files injected by this rebuild only, as Nova's rebuild.
    const files = parsePersonality(a, req.mv, 'rebuild') ?? [];
    await api.servers.checkInjectedFiles(row.project_id, files);
    const patch = {
      image_id: image.id,
      ...(name ? { name } : {}),
      ...(metadata ? { metadata: JSON.stringify(metadata) } : {}),
      ...(req.mv >= 19 && a.description !== undefined ? { description: optString(a, 'description', { nullable: true, max: 255 }) ?? null } : {}),
      ...(parseDiskConfig(a) ? { disk_config: parseDiskConfig(a) } : {}),
      ...(req.mv >= 57 && a.user_data !== undefined ? { user_data: optString(a, 'user_data', { nullable: true, max: 1024 * 1024 }) ?? null } : {}),
      personality: files.length ? JSON.stringify(files) : null,
    };
    await api.lifecycle.start(req.auth, row, 'rebuild', req.id, { patch });
    // The response shows the server as rebuilt (the job applies the same fields).
    const view = await api.servers.view(req.auth, row.id);
    Object.assign(view.row, patch);
    const adminPass = optString(a, 'adminPass') ?? newAdminPass();
    // Since 2.57 the rebuilt server shows its user data.
    const server: Record<string, unknown> = renderServer(view, renderCtx(api, req), true);
    if (req.mv >= 54) server.key_name = view.row.key_name;
    delete server['OS-EXT-SRV-ATTR:user_data'];
    if (req.mv >= 57) server.user_data = view.row.user_data;
    return { status: 202, body: { server: { ...server, adminPass } } };
  },
  createImage: async (api, req, row, arg) => {
    const a = obj(arg, 'createImage');
    const name = optString(a, 'name', { max: 255, min: 1 });
    if (!name) throw badRequest("Invalid input for field/attribute createImage. 'name' is a required property");
    const id = await snapshot(api, req, row, 'createImage', name, { image_type: 'snapshot', ...stringMap(a, 'metadata') });
    return imageCreated(api, req, id);
  },
  createBackup: async (api, req, row, arg) => {
    const a = obj(arg, 'createBackup');
    const name = optString(a, 'name', { max: 255, min: 1 });
    const type = optString(a, 'backup_type', { min: 1, max: 255 });
    const rotation = optInt(a, 'rotation', { min: 0 });
    if (!name || !type || rotation === undefined || rotation === null) throw badRequest("Invalid input for field/attribute createBackup. 'name', 'backup_type' and 'rotation' are required properties");
    const images = api.model.peers().image;
    if (!images) throw conflict('Backups need the image service, which this cloud does not run.');
    // Older backups of this type beyond `rotation` (counting the new one) go, as Nova's rotation does.
    const old = await images.listImages(req.auth, { properties: { instance_uuid: row.id, image_type: 'backup', backup_type: type }, limit: 1000 });
    const id = rotation > 0 ? await snapshot(api, req, row, 'createBackup', name, { ...stringMap(a, 'metadata'), image_type: 'backup', backup_type: type }) : undefined;
    for (const gone of old.slice(Math.max(0, rotation - 1))) await images.deleteImage(req.auth, gone.id).catch(() => undefined);
    return id ? imageCreated(api, req, id) : accepted;
  },
  'os-getConsoleOutput': async (api, _req, row, arg) => {
    const a = obj(arg, 'os-getConsoleOutput');
    const length = a.length === null ? undefined : (optInt(a, 'length', { min: -1 }) ?? undefined);
    const output = await api.lifecycle.consoleOutput(row, length === -1 ? undefined : length);
    return { status: 200, body: { output } };
  },
  forceDelete: async (_api, _req, row) => {
    // Without soft delete (reclaim_instance_interval = 0) no server is ever SOFT_DELETED.
    throw stateConflict('forceDelete', row);
  },
  restore: async (_api, _req, row) => {
    throw stateConflict('restore', row);
  },
  'os-getVNCConsole': legacyConsoleAction('os-getVNCConsole', ['novnc', 'xvpvnc']),
  'os-getSPICEConsole': legacyConsoleAction('os-getSPICEConsole', ['spice-html5']),
  'os-getSerialConsole': legacyConsoleAction('os-getSerialConsole', ['serial']),
  'os-getRDPConsole': legacyConsoleAction('os-getRDPConsole', []),
  changePassword: async (api, req, row, arg) => {
    const a = obj(arg, 'changePassword');
    const extra = Object.keys(a).filter((k) => k !== 'adminPass');
    if (extra.length) throw badRequest(`Invalid input for field/attribute changePassword. Value: ${JSON.stringify(a)}. Additional properties are not allowed ('${extra.join("', '")}' ${extra.length > 1 ? 'were' : 'was'} unexpected)`);
    if (a.adminPass === undefined) throw badRequest(`Invalid input for field/attribute changePassword. Value: ${JSON.stringify(a)}. 'adminPass' is a required property`);
    if (typeof a.adminPass !== 'string') throw badRequest(`Invalid input for field/attribute adminPass. Value: ${JSON.stringify(a.adminPass)}. ${JSON.stringify(a.adminPass)} is not of type 'string'`);
    await api.lifecycle.setAdminPassword(req.auth, row, a.adminPass, req.id);
    return accepted;
  },
  'os-resetState': async (api, req, row, arg) => {
    enforce(computePolicy, 'server:migrate', req.auth);
    const state = optString(obj(arg, 'os-resetState'), 'state');
    if (state !== 'active' && state !== 'error') throw badRequest(`Invalid input for field/attribute state. Value: ${state}. It is not one of ['active', 'error']`);
    await api.model.servers.update(row.id, { vm_state: state, task_state: null });
    return accepted;
  },
  addSecurityGroup: async (api, req, row, arg) => {
    const name = optString(obj(arg, 'addSecurityGroup'), 'name', { min: 1 });
    if (!name) throw badRequest("Invalid input for field/attribute addSecurityGroup. 'name' is a required property");
    const network = api.model.peers().network;
    if (!network) throw badRequest('Security groups need the network service, which this cloud does not run.');
    await network.addServerSecurityGroup(req.auth, row.id, name);
    return accepted;
  },
  addFloatingIp: async (api, req, row, arg) => {
    await addFloatingIp(api, req, row, arg);
    return accepted;
  },
  removeFloatingIp: async (api, req, row, arg) => {
    await removeFloatingIp(api, req, row, arg);
    return accepted;
  },
  removeSecurityGroup: async (api, req, row, arg) => {
    const name = optString(obj(arg, 'removeSecurityGroup'), 'name', { min: 1 });
    if (!name) throw badRequest("Invalid input for field/attribute removeSecurityGroup. 'name' is a required property");
    const network = api.model.peers().network;
    if (!network) throw badRequest('Security groups need the network service, which this cloud does not run.');
    await network.removeServerSecurityGroup(req.auth, row.id, name);
    return accepted;
  },
};

/** Starts a snapshot of the server into a new image with these properties; returns the image id. */
async function snapshot(api: ComputeApi, req: FastifyRequest, row: ServerRow, action: string, name: string, props: Record<string, string>): Promise<string> {
  const images = api.model.peers().image;
  if (!images) throw conflict('Snapshots need the image service, which this cloud does not run.');
  if (!['active', 'stopped', 'paused', 'suspended'].includes(row.vm_state) || row.task_state) throw stateConflict(action, row);
  const flavor = JSON.parse(row.flavor) as { disk: number };
  const image = await images.createImage(req.auth, {
    name,
    disk_format: 'raw',
    container_format: 'bare',
    min_disk: flavor.disk,
    min_ram: 0,
    properties: { ...props, instance_uuid: row.id, base_image_ref: row.image_id ?? '', user_id: req.auth.userId },
  });
  try {
    await api.lifecycle.start(req.auth, row, 'createImage', req.id, { imageId: image.id, userId: req.auth.userId });
  } catch (e) {
    await images.deleteImage(req.auth, image.id).catch(() => undefined);
    throw e;
  }
  return image.id;
}

/** The image id in the body since 2.45, the Location header before. */
const imageCreated = (api: ComputeApi, req: FastifyRequest, id: string) =>
  req.mv >= 45 ? { status: 202, body: { image_id: id } } : { status: 202, location: `${api.imageUrl()}/v2/images/${id}` };

export function registerActionRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.post<{ Params: { id: string } }>('/v2.1/servers/:id/action', async (req, reply) => {
    if (!isObj(req.body) || Object.keys(req.body).length !== 1) throw badRequest('Malformed request body');
    const [name, arg] = Object.entries(req.body)[0];
    const handler = HANDLERS[name];
    if (!handler) throw badRequest(`There is no such action: ${name}`);
    const row = await api.servers.find(req.auth, req.params.id);
    enforce(computePolicy, 'server:action', req.auth, { project_id: row.project_id });
    const out = await handler(api, req, row, arg);
    reply.code(out.status);
    if (out.location) reply.header('location', out.location);
    return out.body ?? '';
  });

  // Since 2.21 the actions of a deleted server stay visible.
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/os-instance-actions', async (req) => {
    const row = await api.servers.find(req.auth, req.params.id, req.mv >= 21);
    if (req.mv < 58) return { instanceActions: (await api.model.servers.actions(row.id)).map((a) => renderAction(a, req.mv)) };
    // 2.58: paging by request id and changes-since; 2.66: changes-before.
    const q = query(req.query);
    const { limit, marker } = paging(q);
    const window = changesWindow(q, req.mv, false);
    const after = marker === undefined || limit === 0 ? undefined : await api.model.servers.action(row.id, marker);
    if (marker !== undefined && limit > 0 && !after) throw badRequest(`Marker ${marker} could not be found.`);
    const actions = limit === 0 ? [] : await api.model.servers.actions(row.id, { limit, after, ...window });
    const links = nextLinks(api.baseUrl(), `servers/${row.id}/os-instance-actions`, q, actions.at(-1)?.request_id, actions.length === limit);
    return { instanceActions: actions.map((a) => renderAction(a, req.mv)), ...(links ? { links } : {}) };
  });
  app.get<{ Params: { id: string; req: string } }>('/v2.1/servers/:id/os-instance-actions/:req', async (req) => {
    const row = await api.servers.find(req.auth, req.params.id, req.mv >= 21);
    const a = await api.model.servers.action(row.id, req.params.req);
    if (!a) throw notFound(`Action for request_id ${req.params.req} on instance ${row.id} not found`);
    const admin = allowed(computePolicy, 'server:instance_actions:events:details', req.auth);
    const events = (JSON.parse(a.events) as Array<{ event: string; start_time: string; finish_time: string | null; result: string | null; host: string | null; traceback: string | null }>).map((e) => ({
      event: e.event,
      start_time: naive(e.start_time),
      finish_time: e.finish_time ? naive(e.finish_time) : null,
      result: e.result,
      ...(admin ? { traceback: e.traceback } : {}),
      ...(req.mv >= 62 ? { hostId: '', ...(admin ? { host: e.host ?? '' } : {}) } : {}),
      ...(req.mv >= 84 && admin ? { details: e.traceback } : {}),
    }));
    return { instanceAction: { ...renderAction(a, req.mv), events } };
  });
}

const naive = (iso: string) => isoNaive(iso);

function renderAction(a: { action: string; server_id: string; message: string | null; project_id: string; request_id: string; start_time: string; user_id: string; updated_at: string }, mv: number) {
  return {
    action: a.action,
    instance_uuid: a.server_id,
    message: a.message,
    project_id: a.project_id,
    request_id: a.request_id,
    start_time: naive(a.start_time),
    user_id: a.user_id,
    ...(mv >= 58 ? { updated_at: naive(a.updated_at) } : {}),
  };
}
