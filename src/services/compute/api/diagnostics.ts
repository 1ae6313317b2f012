import type { FastifyInstance } from 'fastify';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { isObj, optString, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { POWER } from '../model/states.js';
import { computePolicy } from '../policy.js';
import type { ComputeApi } from './common.js';

const STATE: Record<number, string> = { [POWER.NOSTATE]: 'pending', [POWER.RUNNING]: 'running', [POWER.PAUSED]: 'paused', [POWER.SHUTDOWN]: 'shutdown', [POWER.CRASHED]: 'crashed', [POWER.SUSPENDED]: 'suspended' };

/**
 * `GET /servers/{id}/diagnostics` (admin). The simulated driver runs no guest, so every counter is 0
 * and the hypervisor says `simulated`; sizes come from the flavor, NICs and disks from the server.
 * `driver` is an enum of Nova's virt drivers (2.48 schema): 'libvirt', as Nova's own fake driver reports.
 */
export function registerDiagnosticsRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.get<{ Params: { id: string } }>('/v2.1/servers/:id/diagnostics', async (req) => {
    const v = await api.servers.view(req.auth, req.params.id);
    enforce(computePolicy, 'diagnostics', req.auth);
    const r = v.row;
    if (!r.host || r.vm_state === 'building') throw conflict(`Cannot 'get_diagnostics' instance ${r.id} while it is in vm_state ${r.vm_state}`);
    const ports = (await api.model.peers().network?.serverPorts(r.id)) ?? [];
    const disks = (r.image_id ? 1 : 0) + v.volumes.filter((a) => a.boot_index !== 0).length;
    if (req.mv < 48) {
      return {
        state: STATE[r.power_state] ?? 'pending',
        memory: r.memory_mb * 1024,
        ...Object.fromEntries(Array.from({ length: r.vcpus }, (_, i) => [`cpu${i}_time`, 0])),
        ...Object.fromEntries(ports.flatMap((_, i) => [[`vnet${i}_rx`, 0], [`vnet${i}_tx`, 0]])),
      };
    }
    return {
      state: STATE[r.power_state] ?? 'pending',
      driver: 'libvirt',
      hypervisor: 'simulated',
      hypervisor_os: null,
      uptime: r.launched_at ? Math.floor((Date.now() - Date.parse(r.launched_at)) / 1000) : null,
      config_drive: r.config_drive === 'True',
      num_cpus: r.vcpus,
      num_nics: ports.length,
      num_disks: disks,
      memory_details: { maximum: r.memory_mb, used: 0 },
      cpu_details: Array.from({ length: r.vcpus }, (_, id) => ({ id, time: 0, utilisation: 0 })),
      nic_details: ports.map((p) => ({ mac_address: p.macAddress, rx_octets: 0, rx_errors: 0, rx_drop: 0, rx_packets: 0, rx_rate: null, tx_octets: 0, tx_errors: 0, tx_drop: 0, tx_packets: 0, tx_rate: null })),
      disk_details: Array.from({ length: disks }, () => ({ read_bytes: 0, read_requests: 0, write_bytes: 0, write_requests: 0, errors_count: 0 })),
    };
  });
}

const EVENTS: Record<string, number> = { 'network-changed': 1, 'network-vif-plugged': 1, 'network-vif-unplugged': 1, 'network-vif-deleted': 1, 'volume-extended': 51, 'power-update': 76, 'accelerator-request-bound': 82, 'volume-reimaged': 93 };

/**
 * `POST /os-server-external-events` (admin; Neutron and Cinder notify Nova). No operation here waits
 * on such events, so they are checked (known name, existing server with a host) and acknowledged;
 * `volume-extended` also reaches the guest, as in Nova.
 */
export function registerExternalEventRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.post('/v2.1/os-server-external-events', async (req, reply) => {
    enforce(computePolicy, 'external_events', req.auth);
    const events = isObj(req.body) ? req.body.events : undefined;
    if (!Array.isArray(events) || !events.length || !events.every(isObj)) throw badRequest("Invalid input for field/attribute events. 'events' is a required, non-empty list of objects");
    const out = [];
    for (const e of events as Obj[]) {
      const name = optString(e, 'name');
      const serverId = optString(e, 'server_uuid');
      const status = optString(e, 'status') ?? 'completed';
      const tag = optString(e, 'tag', { max: 255 }) ?? undefined;
      if (!name || !(name in EVENTS) || EVENTS[name] > req.mv) throw badRequest(`Invalid input for field/attribute name. Value: ${name}.`);
      if (!serverId) throw badRequest("Invalid input for field/attribute server_uuid. 'server_uuid' is a required property");
      if (!['completed', 'failed', 'in-progress'].includes(status)) throw badRequest(`Invalid input for field/attribute status. Value: ${status}.`);
      const row = await api.model.servers.get(serverId);
      const code = !row ? 404 : row.host ? 200 : 422;
      // Cinder grew an attached volume (the tag is its id): Nova records extend_volume and tells the driver.
      if (code === 200 && name === 'volume-extended' && tag) await api.volumeEvents.extended(req.auth, row!, tag, req.id);
      out.push({ name, server_uuid: serverId, status, ...(tag ? { tag } : {}), code });
    }
    if (out.every((e) => e.code === 404)) throw notFound('No instances found for any event');
    reply.code(out.every((e) => e.code === 200) ? 200 : 207);
    return { events: out };
  });
}
