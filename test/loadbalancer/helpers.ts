import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';

/** A cloud with identity, network and the load balancer; listeners bind free ports (reported as bound_address). */
export function lbCloud(extra: Record<string, unknown> = {}): Promise<TestCloud> {
  return startTestCloud({ only: ['identity', 'network', 'loadbalancer'], services: { loadbalancer: { ephemeralPorts: true, ...extra } } });
}

export const lbUrl = (cloud: TestCloud, path: string) => `${cloud.urls.loadbalancer}/v2/lbaas${path}`;

/** A project network with one subnet for VIPs. */
export async function vipSubnet(cloud: TestCloud, token: string, cidr = '10.20.0.0/24'): Promise<string> {
  const net = await api(`${cloud.urls.network}/v2.0/networks`, { method: 'POST', token, body: { network: { name: 'lb-net' } } });
  const sub = await api(`${cloud.urls.network}/v2.0/subnets`, { method: 'POST', token, body: { subnet: { network_id: net.body.network.id, cidr, ip_version: 4 } } });
  if (sub.status !== 201) throw new Error(`subnet: ${JSON.stringify(sub.body)}`);
  return sub.body.subnet.id;
}

/** Polls until the load balancer leaves PENDING_* (the sync job ran). */
export async function waitActive(cloud: TestCloud, token: string, lbId: string): Promise<any> {
  for (let i = 0; i < 200; i++) {
    const r = await api(lbUrl(cloud, `/loadbalancers/${lbId}`), { token });
    if (r.status === 404) return undefined;
    if (!String(r.body.loadbalancer.provisioning_status).startsWith('PENDING_')) return r.body.loadbalancer;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`load balancer ${lbId} stays pending`);
}

/** Polls a condition (health monitor results arrive on their own schedule). */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined | false>, tries = 200): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A small HTTP backend on 127.0.0.1 that answers with its name and echoes X-Forwarded-* headers and the request body. */
export async function backend(name: string): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ name, xff: req.headers['x-forwarded-for'] ?? null, xfp: req.headers['x-forwarded-port'] ?? null, method: req.method, body }));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
