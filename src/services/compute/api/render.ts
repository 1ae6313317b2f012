import { createHash } from 'node:crypto';
import { isoNaive, isoSeconds } from '../../../platform/ids.js';
import type { Flavor } from '../model/flavors.js';
import type { ServerView } from '../model/servers.js';
import { serverStatus } from '../model/states.js';
import type { KeypairRow } from '../store/tables.js';

/** Nova prints times as `2024-01-02T03:04:05Z`. */
const ts = (iso: string | null) => (iso ? isoSeconds(iso) : null);

export interface RenderContext {
  base: string;
  mv: number;
  admin: boolean;
}

const links = (base: string, kind: string, id: string) => [
  { rel: 'self', href: `${base}/v2.1/${kind}/${id}` },
  { rel: 'bookmark', href: `${base}/${kind}/${id}` },
];

export function renderFlavor(f: Flavor, c: RenderContext, detail = true) {
  const brief = { id: f.id, name: f.name, links: links(c.base, 'flavors', f.id), ...(c.mv >= 55 ? { description: f.description } : {}) };
  if (!detail) return brief;
  return {
    ...brief,
    ram: f.ram,
    disk: f.disk,
    swap: c.mv >= 75 ? f.swap : f.swap || '',
    'OS-FLV-EXT-DATA:ephemeral': f.ephemeral,
    'OS-FLV-DISABLED:disabled': f.disabled,
    vcpus: f.vcpus,
    'os-flavor-access:is_public': f.is_public,
    rxtx_factor: f.rxtx_factor,
    ...(c.mv >= 61 ? { extra_specs: f.extra_specs } : {}),
  };
}

export function renderKeypair(k: KeypairRow, mv: number, full: boolean) {
  return {
    name: k.name,
    public_key: k.public_key,
    fingerprint: k.fingerprint,
    ...(mv >= 2 ? { type: k.type } : {}),
    // Nova's keypair id is an integer: the first 52 bits of ours.
    ...(full ? { user_id: k.user_id, id: parseInt(k.id.replace(/-/g, '').slice(0, 13), 16), created_at: isoNaive(k.created_at), deleted: false, deleted_at: null, updated_at: null } : {}),
  };
}

const hostId = (projectId: string, host: string | null) => (host ? createHash('sha224').update(projectId + host).digest('hex') : '');

/** Attributes of Nova's extensions, which update and rebuild responses carry only since 2.75. */
const EXTENDED = /^(OS-EXT-|OS-SRV-USG:|os-extended-volumes:)|^(config_drive|key_name|security_groups|host_status)$/;

/**
 * The server body of `GET /servers/{id}` and `/servers/detail` for the negotiated microversion;
 * `core` is the body of update and rebuild responses (without the extension attributes before 2.75).
 */
export function renderServer(v: ServerView, c: RenderContext, core = false) {
  const body = fullServer(v, c);
  if (!core) return body;
  // Nova renders these addresses without the OS-EXT-IPS extension fields.
  body.addresses = Object.fromEntries(Object.entries(v.addresses).map(([net, list]) => [net, (list as Array<{ addr: string; version: number }>).map(({ addr, version }) => ({ addr, version }))]));
  if (c.mv >= 75) return body;
  return Object.fromEntries(Object.entries(body).filter(([k]) => !EXTENDED.test(k)));
}

function fullServer(v: ServerView, c: RenderContext) {
  const r = v.row;
  const flavor = JSON.parse(r.flavor) as Flavor;
  const status = serverStatus(r.vm_state, r.task_state);
  const fault = r.fault && ['error', 'deleted'].includes(r.vm_state) ? (JSON.parse(r.fault) as { code: number; message: string; details: string; created: string }) : undefined;
  const body: Record<string, unknown> = {
    id: r.id,
    name: r.name,
    status,
    tenant_id: r.project_id,
    user_id: r.user_id,
    metadata: JSON.parse(r.metadata),
    hostId: hostId(r.project_id, r.host),
    image: r.image_id ? { id: r.image_id, links: [{ rel: 'bookmark', href: `${c.base}/images/${r.image_id}` }] } : '',
    flavor:
      c.mv >= 47
        ? { vcpus: flavor.vcpus, ram: flavor.ram, disk: flavor.disk, ephemeral: flavor.ephemeral, swap: flavor.swap, original_name: flavor.name, extra_specs: flavor.extra_specs }
        : { id: flavor.id, links: [{ rel: 'bookmark', href: `${c.base}/flavors/${flavor.id}` }] },
    created: ts(r.created_at),
    updated: ts(r.updated_at),
    addresses: v.addresses,
    accessIPv4: r.access_ipv4,
    accessIPv6: r.access_ipv6,
    links: links(c.base, 'servers', r.id),
    'OS-DCF:diskConfig': r.disk_config,
    ...(['ACTIVE', 'BUILD', 'REBUILD', 'RESIZE', 'VERIFY_RESIZE', 'MIGRATING'].includes(status) ? { progress: status === 'BUILD' ? 0 : 100 } : {}),
    'OS-EXT-AZ:availability_zone': r.availability_zone ?? '',
    config_drive: r.config_drive,
    key_name: r.key_name,
    'OS-SRV-USG:launched_at': r.launched_at ? isoNaive(r.launched_at) : null,
    'OS-SRV-USG:terminated_at': r.terminated_at ? isoNaive(r.terminated_at) : null,
    'OS-EXT-STS:task_state': r.task_state,
    'OS-EXT-STS:vm_state': r.vm_state,
    'OS-EXT-STS:power_state': r.power_state,
    'os-extended-volumes:volumes_attached': v.volumes.map((a) => ({ id: a.volume_id, ...(c.mv >= 3 ? { delete_on_termination: a.delete_on_termination === 1 } : {}) })),
  };
  const req = JSON.parse(r.request) as { networks: unknown; securityGroups: string[] };
  const groups = v.securityGroups ?? (req.securityGroups.length ? req.securityGroups : req.networks === 'none' ? [] : ['default']);
  if (groups.length) body.security_groups = groups.map((name) => ({ name }));
  if (c.admin) {
    body['OS-EXT-SRV-ATTR:host'] = r.host;
    body['OS-EXT-SRV-ATTR:hypervisor_hostname'] = r.host;
    body['OS-EXT-SRV-ATTR:instance_name'] = `instance-${r.id.slice(0, 8)}`;
  }
  if (c.mv >= 3 && c.admin) {
    Object.assign(body, {
      'OS-EXT-SRV-ATTR:reservation_id': r.reservation_id,
      'OS-EXT-SRV-ATTR:launch_index': r.launch_index,
      'OS-EXT-SRV-ATTR:kernel_id': '',
      'OS-EXT-SRV-ATTR:ramdisk_id': '',
      'OS-EXT-SRV-ATTR:hostname': r.hostname,
      'OS-EXT-SRV-ATTR:root_device_name': '/dev/vda',
      'OS-EXT-SRV-ATTR:user_data': r.user_data,
    });
  } else if (c.mv >= 90) {
    body['OS-EXT-SRV-ATTR:hostname'] = r.hostname;
  }
  if (fault) body.fault = { code: fault.code, created: ts(fault.created), message: fault.message, ...(c.admin && fault.details ? { details: fault.details } : {}) };
  if (c.mv >= 9) body.locked = r.locked === 1;
  if (c.mv >= 16 && c.admin) body.host_status = v.hostStatus;
  if (c.mv >= 19) body.description = r.description;
  if (c.mv >= 26) body.tags = v.tags;
  if (c.mv >= 63) body.trusted_image_certificates = null;
  if (c.mv >= 71) body.server_groups = r.server_group_id ? [r.server_group_id] : [];
  if (c.mv >= 73) body.locked_reason = r.locked_reason;
  return body;
}

export const renderServerBrief = (v: ServerView, c: RenderContext) => ({ id: v.row.id, name: v.row.name, links: links(c.base, 'servers', v.row.id) });
