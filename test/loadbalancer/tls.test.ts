import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { api, startTestCloud, type TestCloud } from '../helpers/cloud.js';
import { requireTool } from '../helpers/clients.js';
import { backend, lbUrl, vipSubnet, waitActive } from './helpers.js';

/** GET over HTTPS without verifying the (self-signed) chain; returns the body and the served certificate's CN. */
function httpsGet(address: string): Promise<{ body: any; cn: string }> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), path: '/', rejectUnauthorized: false, agent: false }, (res) => {
      const cn = String((res.socket as import('node:tls').TLSSocket).getPeerCertificate().subject.CN);
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ body: JSON.parse(text), cn }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('load balancer: TLS termination with a key manager certificate container', () => {
  let cloud: TestCloud;
  let a: Awaited<ReturnType<typeof backend>>;
  let dir: string;
  before(async () => {
    cloud = await startTestCloud({ only: ['identity', 'keymanager', 'network', 'loadbalancer'], services: { loadbalancer: { ephemeralPorts: true } } });
    a = await backend('a');
    dir = mkdtempSync(join(tmpdir(), 'scs-lb-tls-'));
  });
  after(async () => {
    await a.close();
    await cloud.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('terminates HTTPS on a TERMINATED_HTTPS listener and forwards HTTP with X-Forwarded-For', async (t) => {
    if (!requireTool(t, '/usr/bin/openssl', 'openssl')) return;
    execFileSync('/usr/bin/openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=lb.example.test'], { stdio: 'ignore' });
    const demo = await cloud.demoToken();
    const km = `${cloud.urls.keymanager}/v1`;
    const store = async (name: string, type: string, file: string) => {
      const r = await api(`${km}/secrets`, { method: 'POST', token: demo, body: { name, secret_type: type, payload: readFileSync(join(dir, file), 'utf8'), payload_content_type: 'text/plain' } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body.secret_ref as string;
    };
    const container = await api(`${km}/containers`, {
      method: 'POST',
      token: demo,
      body: { type: 'certificate', name: 'web-cert', secret_refs: [{ name: 'certificate', secret_ref: await store('cert', 'certificate', 'cert.pem') }, { name: 'private_key', secret_ref: await store('key', 'private', 'key.pem') }] },
    });
    assert.equal(container.status, 201, JSON.stringify(container.body));
    const ref = container.body.container_ref as string;

    const subnet = await vipSubnet(cloud, demo);
    const lb = (await api(lbUrl(cloud, '/loadbalancers'), { method: 'POST', token: demo, body: { loadbalancer: { name: 'tls', vip_subnet_id: subnet } } })).body.loadbalancer;
    await waitActive(cloud, demo, lb.id);
    const missing = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: lb.id, protocol: 'TERMINATED_HTTPS', protocol_port: 443 } } });
    assert.equal(missing.status, 400);
    const wrongRef = await api(lbUrl(cloud, '/listeners'), { method: 'POST', token: demo, body: { listener: { loadbalancer_id: lb.id, protocol: 'TERMINATED_HTTPS', protocol_port: 443, default_tls_container_ref: `${km}/containers/00000000-0000-0000-0000-000000000000` } } });
    assert.equal(wrongRef.status, 400);
    assert.match(wrongRef.body.faultstring, /Could not retrieve certificate/);

    const l = await api(lbUrl(cloud, '/listeners'), {
      method: 'POST',
      token: demo,
      body: { listener: { loadbalancer_id: lb.id, protocol: 'TERMINATED_HTTPS', protocol_port: 443, default_tls_container_ref: ref, insert_headers: { 'X-Forwarded-For': 'true' } } },
    });
    assert.equal(l.status, 201, JSON.stringify(l.body));
    assert.equal(l.body.listener.default_tls_container_ref, ref);
    await waitActive(cloud, demo, lb.id);
    const pool = await api(lbUrl(cloud, '/pools'), { method: 'POST', token: demo, body: { pool: { listener_id: l.body.listener.id, protocol: 'HTTP', lb_algorithm: 'ROUND_ROBIN' } } });
    await waitActive(cloud, demo, lb.id);
    await api(lbUrl(cloud, `/pools/${pool.body.pool.id}/members`), { method: 'POST', token: demo, body: { member: { address: '127.0.0.1', protocol_port: a.port } } });
    await waitActive(cloud, demo, lb.id);

    const bound = (await api(lbUrl(cloud, `/listeners/${l.body.listener.id}`), { token: demo })).body.listener.bound_address;
    const r = await httpsGet(bound);
    assert.equal(r.cn, 'lb.example.test');
    assert.equal(r.body.name, 'a');
    assert.equal(r.body.xff, '127.0.0.1');
    assert.equal((await api(lbUrl(cloud, `/loadbalancers/${lb.id}?cascade=true`), { method: 'DELETE', token: demo })).status, 204);
    assert.equal(await waitActive(cloud, demo, lb.id), undefined);
  });
});
