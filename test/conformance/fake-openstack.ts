import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { flavorSpec } from '../../src/operations/flavor-name/format.js';
import type { CloudEntry } from '../../src/operations/http/clouds.js';

/**
 * A small fake OpenStack for the conformance tests: Keystone tokens with a catalog and the few
 * endpoints each testcase reads, over a mutable data set. `goodCloudData()` passes every
 * automated testcase; each test breaks one thing and expects the matching testcase to fail.
 */
export interface FakeData {
  roles: string[];
  catalogTypes: string[];
  flavors: Array<{ id: string; name: string; vcpus: number; ram: number; disk: number; extra_specs: Record<string, string> }>;
  images: Array<Record<string, any> & { id: string }>;
  volumeTypes: Array<{ id: string; name: string; description: string | null }>;
  /** undefined: the default rules API is missing (404), the fresh-group fallback applies. */
  defaultRules?: Array<Record<string, unknown>>;
  /** Rules of a newly created security group. */
  newGroupRules: Array<Record<string, unknown>>;
  /** Status a new backup reaches. */
  backupOutcome: 'available' | 'error';
  /** A Nova older than microversion 2.61: refuses it and lists flavors without extra specs. */
  oldNova?: boolean;
  /** What a server's serial console shows (a simulated cloud: nothing). */
  consoleOutput: string;
}

const MANDATORY = ['SCS-1V-4', 'SCS-2V-8', 'SCS-4V-16', 'SCS-8V-32', 'SCS-1V-2', 'SCS-2V-4', 'SCS-4V-8', 'SCS-8V-16', 'SCS-16V-32', 'SCS-1V-8', 'SCS-2V-16', 'SCS-4V-32', 'SCS-1L-1', 'SCS-2V-4-20s', 'SCS-4V-16-100s'];
const RECOMMENDED = ['SCS-1V-4-10', 'SCS-2V-8-20', 'SCS-4V-16-50', 'SCS-8V-32-100', 'SCS-1V-2-5', 'SCS-2V-4-10', 'SCS-4V-8-20', 'SCS-8V-16-50', 'SCS-16V-32-100', 'SCS-1V-8-20', 'SCS-2V-16-50', 'SCS-4V-32-100', 'SCS-1L-1-5', 'SCS-16V-64', 'SCS-8V-64', 'SCS-16V-128'];

export function image(name: string, source: string, extra: Record<string, unknown> = {}): Record<string, any> & { id: string } {
  return {
    id: randomUUID(),
    name,
    visibility: 'public',
    status: 'active',
    os_hidden: false,
    created_at: '2026-11-01T10:00:00Z',
    size: 600 * 1024 ** 2,
    min_disk: 10,
    min_ram: 512,
    os_hash_algo: 'sha512',
    architecture: 'x86_64',
    hw_disk_bus: 'scsi',
    hypervisor_type: 'qemu',
    hw_rng_model: 'virtio',
    os_distro: name.split(' ')[0].toLowerCase(),
    os_version: name.split(' ')[1] ?? '1.0',
    os_purpose: 'generic',
    image_build_date: '2026-10-30',
    image_original_user: 'ubuntu',
    image_source: source,
    image_description: `https://docs.example.com/images/${encodeURIComponent(name)}`,
    replace_frequency: 'quarterly',
    provided_until: 'none',
    uuid_validity: 'last-3',
    hotfix_hours: '72',
    ...extra,
  };
}

export function goodCloudData(): FakeData {
  const egress = (ethertype: string) => ({ id: randomUUID(), direction: 'egress', ethertype, remote_group_id: null, remote_ip_prefix: null, used_in_default_sg: true, used_in_non_default_sg: true });
  return {
    roles: ['member', 'reader'],
    catalogTypes: ['identity', 'compute', 'placement', 'image', 'network', 'block-storage', 'load-balancer', 'key-manager', 'object-store-s3'],
    flavors: [...MANDATORY, ...RECOMMENDED].map((name) => {
      const s = flavorSpec(name);
      return { id: randomUUID(), name, vcpus: s.vcpus, ram: s.ramMiB, disk: s.disk, extra_specs: s.extraSpecs };
    }),
    images: [
      image('Ubuntu 24.04', 'https://cloud-images.ubuntu.com/releases/noble/release-20261020/ubuntu-24.04-server-cloudimg-amd64.img'),
      image('Debian 12', 'https://cloud.debian.org/images/cloud/bookworm/20261020-1/debian-12-genericcloud-amd64.qcow2', { image_original_user: 'debian' }),
      image('ubuntu-capi-image-v1.31.4', 'https://nbg1.your-objectstorage.com/osism/openstack-k8s-capi-images/ubuntu-2404-kube-v1.31/ubuntu-2404-kube-v1.31.4.qcow2', { os_purpose: 'k8snode' }),
    ],
    volumeTypes: [
      { id: randomUUID(), name: '__DEFAULT__', description: 'Default volume type' },
      { id: randomUUID(), name: 'encrypted', description: '[scs:encrypted] LUKS-encrypted volumes' },
      { id: randomUUID(), name: 'replicated', description: '[scs:encrypted, replicated] three replicas' },
    ],
    defaultRules: [
      egress('IPv4'),
      egress('IPv6'),
      { id: randomUUID(), direction: 'ingress', ethertype: 'IPv4', remote_group_id: 'PARENT', remote_ip_prefix: null, used_in_default_sg: true, used_in_non_default_sg: false },
      { id: randomUUID(), direction: 'ingress', ethertype: 'IPv6', remote_group_id: 'PARENT', remote_ip_prefix: null, used_in_default_sg: true, used_in_non_default_sg: false },
    ],
    newGroupRules: [egress('IPv4'), egress('IPv6')],
    backupOutcome: 'available',
    consoleOutput: '',
  };
}

export interface FakeCloud {
  url: string;
  data: FakeData;
  /** Resources the suite left behind (volumes, backups, groups, secrets). */
  leftovers(): string[];
  cloud(): CloudEntry;
  close(): Promise<void>;
}

const PATHS: Record<string, string> = {
  identity: '/v3',
  compute: '/compute/v2.1',
  placement: '/placement',
  image: '/image',
  network: '/network',
  'block-storage': '/volume/v3/PROJECT',
  'load-balancer': '/lb',
  'key-manager': '/key-manager',
  'object-store-s3': '/s3',
};

export async function startFakeOpenStack(data: FakeData = goodCloudData()): Promise<FakeCloud> {
  const app: FastifyInstance = Fastify();
  const project = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  let base = '';
  const volumes = new Map<string, { id: string; name: string; status: string; size: number }>();
  const backups = new Map<string, { id: string; name: string; status: string; volume_id: string }>();
  const groups = new Map<string, { id: string; name: string }>();
  const secrets = new Map<string, { name: string }>();
  const servers = new Map<string, { id: string; name: string; status: string }>();
  const nets = new Map<string, { id: string; name: string; 'router:external': boolean }>([['ext', { id: 'ext', name: 'public', 'router:external': true }]]);
  const subnets = new Map<string, { id: string; name: string }>();
  const routers = new Map<string, { id: string; name: string; interfaces: string[] }>();
  const vol = `/volume/v3/${project}`;

  app.post('/v3/auth/tokens', async (_req, reply) => {
    const catalog = data.catalogTypes.map((type) => ({ type, name: type, endpoints: [{ interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: `${base}${PATHS[type].replace('PROJECT', project)}` }] }));
    reply.code(201).header('x-subject-token', 'fake-token');
    return { token: { expires_at: new Date(Date.now() + 3600_000).toISOString(), user: { id: 'u1' }, project: { id: project }, roles: data.roles.map((name) => ({ id: name, name })), catalog } };
  });
  // both collections are paged, so the suite has to follow Nova's links and Glance's `next`
  const page = <T extends { id: string }>(items: T[], marker: string | undefined, size: number) => {
    const start = marker ? items.findIndex((i) => i.id === marker) + 1 : 0;
    const got = items.slice(start, start + size);
    return { got, more: start + size < items.length ? got[got.length - 1].id : undefined };
  };
  app.get('/compute/v2.1/flavors/detail', async (req, reply) => {
    if (data.oldNova && req.headers['x-openstack-nova-api-version']) return reply.code(406).send({ computeFault: { code: 406, message: 'Version 2.61 is not supported by the API.' } });
    const { got, more } = page(data.flavors, (req.query as any).marker, 10);
    const flavors = data.oldNova ? got.map(({ extra_specs: _, ...f }) => f) : got;
    return { flavors, ...(more ? { flavors_links: [{ rel: 'next', href: `${base}/compute/v2.1/flavors/detail?marker=${more}` }] } : {}) };
  });
  app.get('/compute/v2.1/flavors/:id/os-extra_specs', async (req) => ({ extra_specs: data.flavors.find((f) => f.id === (req.params as any).id)?.extra_specs ?? {} }));
  app.get('/image/v2/images', async (req) => {
    const q = req.query as Record<string, string>;
    const { got, more } = page(data.images.filter((i) => !!i.os_hidden === (q.os_hidden === 'true')), q.marker, 2);
    return { images: got, first: '/v2/images', schema: '/v2/schemas/images', ...(more ? { next: `/v2/images?marker=${more}${q.os_hidden ? `&os_hidden=${q.os_hidden}` : ''}` } : {}) };
  });
  app.get(`${vol}/types`, async () => ({ volume_types: data.volumeTypes }));
  app.get(`${vol}/volumes/detail`, async () => ({ volumes: [...volumes.values()] }));
  app.get(`${vol}/backups/detail`, async () => ({ backups: [...backups.values()] }));
  app.post(`${vol}/volumes`, async (req, reply) => {
    const v = { id: randomUUID(), name: (req.body as any).volume.name, size: (req.body as any).volume.size, status: 'available' };
    volumes.set(v.id, v);
    reply.code(202);
    return { volume: { ...v, status: 'creating' } };
  });
  app.post(`${vol}/backups`, async (req, reply) => {
    const b = { id: randomUUID(), name: (req.body as any).backup.name, volume_id: (req.body as any).backup.volume_id, status: data.backupOutcome };
    backups.set(b.id, b);
    reply.code(202);
    return { backup: { id: b.id, name: b.name } };
  });
  app.post(`${vol}/backups/:id/restore`, async (req, reply) => {
    const v = { id: randomUUID(), name: (req.body as any).restore.name, size: 1, status: 'available' };
    volumes.set(v.id, v);
    reply.code(202);
    return { restore: { backup_id: (req.params as any).id, volume_id: v.id, volume_name: v.name } };
  });
  for (const [kind, map] of [['volumes', volumes], ['backups', backups]] as const) {
    app.get(`${vol}/${kind}/:id`, async (req, reply) => {
      const r = map.get((req.params as any).id);
      if (!r) return reply.code(404).send({ itemNotFound: { code: 404, message: 'not found' } });
      return { [kind.slice(0, -1)]: r };
    });
    app.delete(`${vol}/${kind}/:id`, async (req, reply) => {
      map.delete((req.params as any).id);
      return reply.code(202).send();
    });
  }
  app.get('/network/v2.0/default-security-group-rules', async (_req, reply) =>
    data.defaultRules ? { default_security_group_rules: data.defaultRules } : reply.code(404).send({ NeutronError: { type: 'HTTPNotFound', message: 'The resource could not be found.', detail: '' } }),
  );
  app.get('/network/v2.0/security-groups', async (req) => ({ security_groups: [...groups.values()].filter((g) => g.name === (req.query as any).name) }));
  app.post('/network/v2.0/security-groups', async (req, reply) => {
    const g = { id: randomUUID(), name: (req.body as any).security_group.name };
    groups.set(g.id, g);
    reply.code(201);
    return { security_group: { ...g, security_group_rules: data.newGroupRules } };
  });
  app.delete('/network/v2.0/security-groups/:id', async (req, reply) => {
    groups.delete((req.params as any).id);
    return reply.code(204).send();
  });
  app.get('/key-manager/v1/secrets', async (req) => ({
    secrets: [...secrets].filter(([, s]) => !(req.query as any).name || s.name === (req.query as any).name).map(([id, s]) => ({ secret_ref: `${base}/key-manager/v1/secrets/${id}`, name: s.name })),
  }));
  app.post('/key-manager/v1/secrets', async (req, reply) => {
    const id = randomUUID();
    secrets.set(id, { name: (req.body as any).name });
    reply.code(201);
    return { secret_ref: `${base}/key-manager/v1/secrets/${id}` };
  });
  app.delete('/key-manager/v1/secrets/:id', async (req, reply) => {
    if (!secrets.delete((req.params as any).id)) return reply.code(404).send({ code: 404, title: 'Not Found', description: 'Secret not found.' });
    return reply.code(204).send();
  });

  app.get('/compute/v2.1/servers', async () => ({ servers: [...servers.values()] }));
  app.post('/compute/v2.1/servers', async (req, reply) => {
    const body = (req.body as any).server;
    if (!nets.has(body.networks?.[0]?.uuid) || !Buffer.from(body.user_data, 'base64').toString().startsWith('#cloud-config')) return reply.code(400).send({ badRequest: { code: 400, message: 'bad server' } });
    const srv = { id: randomUUID(), name: body.name, status: 'ACTIVE' };
    servers.set(srv.id, srv);
    reply.code(202);
    return { server: { id: srv.id } };
  });
  app.get('/compute/v2.1/servers/:id', async (req, reply) => {
    const srv = servers.get((req.params as any).id);
    return srv ? { server: srv } : reply.code(404).send({ itemNotFound: { code: 404, message: 'no server' } });
  });
  app.delete('/compute/v2.1/servers/:id', async (req, reply) => {
    servers.delete((req.params as any).id);
    return reply.code(204).send();
  });
  app.post('/compute/v2.1/servers/:id/action', async (req) => ({ output: 'os-getConsoleOutput' in (req.body as any) ? data.consoleOutput : '' }));
  app.get('/network/v2.0/networks', async (req) => {
    const q = req.query as Record<string, string>;
    return { networks: [...nets.values()].filter((n) => (!q.name || n.name === q.name) && (!q['router:external'] || n['router:external'])) };
  });
  app.post('/network/v2.0/networks', async (req, reply) => {
    const n = { id: randomUUID(), name: (req.body as any).network.name, 'router:external': false };
    nets.set(n.id, n);
    reply.code(201);
    return { network: n };
  });
  app.post('/network/v2.0/subnets', async (req, reply) => {
    const n = { id: randomUUID(), name: (req.body as any).subnet.name };
    subnets.set(n.id, n);
    reply.code(201);
    return { subnet: n };
  });
  app.get('/network/v2.0/routers', async (req) => ({ routers: [...routers.values()].filter((r) => r.name === (req.query as any).name) }));
  app.get('/network/v2.0/ports', async () => ({ ports: [] }));
  app.post('/network/v2.0/routers', async (req, reply) => {
    const r = { id: randomUUID(), name: (req.body as any).router.name, interfaces: [] as string[] };
    routers.set(r.id, r);
    reply.code(201);
    return { router: r };
  });
  app.put('/network/v2.0/routers/:id/:op', async (req) => {
    const r = routers.get((req.params as any).id)!;
    const subnet = (req.body as any).subnet_id;
    r.interfaces = (req.params as any).op === 'add_router_interface' ? [...r.interfaces, subnet] : r.interfaces.filter((s) => s !== subnet);
    return { id: r.id, subnet_id: subnet };
  });
  for (const [kind, map] of [['networks', nets], ['subnets', subnets], ['routers', routers]] as const) {
    app.delete(`/network/v2.0/${kind}/:id`, async (req, reply) => {
      const id = (req.params as any).id;
      if (kind === 'routers' && routers.get(id)?.interfaces.length) return reply.code(409).send({ NeutronError: { type: 'RouterInUse', message: 'router has interfaces', detail: '' } });
      map.delete(id);
      return reply.code(204).send();
    });
  }

  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    url: base,
    data,
    leftovers: () => [...[...volumes.values()].map((v) => `volume ${v.name}`), ...[...backups.values()].map((b) => `backup ${b.name}`), ...[...groups.values()].map((g) => `group ${g.name}`), ...[...secrets.values()].map((s) => `secret ${s.name}`),
      ...[...servers.values()].map((v) => `server ${v.name}`),
      ...[...nets.values()].filter((n) => n.id !== 'ext').map((n) => `network ${n.name}`),
      ...[...subnets.values()].map((n) => `subnet ${n.name}`),
      ...[...routers.values()].map((r) => `router ${r.name}`),
    ],
    cloud: () => ({ name: 'fake', file: 'memory', region_name: 'RegionOne', interface: 'public', auth: { auth_url: `${base}/v3`, username: 'tester', password: 'secret', project_name: 'p', user_domain_name: 'Default', project_domain_name: 'Default' } }),
    close: () => app.close(),
  };
}
