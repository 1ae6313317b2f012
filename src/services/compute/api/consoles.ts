import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, conflict, notFound } from '../../../platform/errors.js';
import { isObj, wrapped, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import type { ServerRow } from '../store/tables.js';
import { computePolicy } from '../policy.js';
import { since, type ComputeApi } from './common.js';

// Remote consoles (VNC, SPICE, serial, MKS): the hypervisor seam has no console proxy, so every
// request gets Nova's answer of a deployment whose console services are disabled
// ([vnc]/[spice]/[serial_console]/[mks] enabled = False): 400 "Unavailable console type".

const enumField = (o: Obj, field: string, allowed: string[]): string => {
  const v = o[field];
  if (v === undefined) throw badRequest(`Invalid input for field/attribute ${field}. '${field}' is a required property`);
  if (typeof v !== 'string' || !allowed.includes(v)) {
    throw badRequest(`Invalid input for field/attribute ${field}. Value: ${String(v)}. ${JSON.stringify(v)} is not one of [${allowed.map((a) => `'${a}'`).join(', ')}]`);
  }
  return v;
};

/** What Nova's compute API and manager check before asking the driver, then the driver's refusal. */
function unavailable(row: ServerRow, consoleType: string): never {
  if (!row.host) throw conflict(`Instance ${row.id} is not ready`);
  throw badRequest(`Unavailable console type ${consoleType}.`);
}

/** The legacy actions (2.1 to 2.5) `os-getVNCConsole`, `os-getSPICEConsole`, `os-getSerialConsole`, `os-getRDPConsole`. */
export function legacyConsoleAction(action: string, types: string[]) {
  return async (_api: ComputeApi, req: FastifyRequest, row: ServerRow, arg: unknown): Promise<never> => {
    if (req.mv >= 6) throw notFound('The resource could not be found.');
    if (!types.length) throw badRequest('The server could not comply with the request since it is either malformed or otherwise incorrect.');
    if (!isObj(arg)) throw badRequest(`Invalid input for field/attribute ${action}. Value: ${JSON.stringify(arg)}. ${JSON.stringify(arg)} is not of type 'object'`);
    unavailable(row, enumField(arg, 'type', types));
  };
}

/** `POST /servers/{id}/remote-consoles` (2.6; protocol `mks` and type `webmks` since 2.8). */
export function registerConsoleRoutes(app: FastifyInstance, api: ComputeApi): void {
  app.post<{ Params: { id: string } }>('/v2.1/servers/:id/remote-consoles', async (req) => {
    since(req, 6);
    const rc = wrapped(req.body, 'remote_console');
    const mks = req.mv >= 8;
    const protocol = enumField(rc, 'protocol', ['vnc', 'spice', 'serial', 'rdp', ...(mks ? ['mks'] : [])]);
    const type = enumField(rc, 'type', ['novnc', 'xvpvnc', 'rdp-html5', 'spice-html5', 'serial', ...(mks ? ['webmks'] : [])]);
    const row = await api.servers.find(req.auth, req.params.id);
    enforce(computePolicy, 'server:action', req.auth, { project_id: row.project_id });
    // Nova refuses RDP (its Hyper-V driver is gone) before asking the compute host.
    if (protocol === 'rdp') throw badRequest('Unavailable console type rdp.');
    unavailable(row, type);
  });
}
