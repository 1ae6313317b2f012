import { isNotFound, type Flavor, type Image } from '../cloud-data.js';
import { waitFor, type CheckContext } from '../testcase.js';

/** Lines a test guest prints on its serial console are prefixed with this marker and a section. */
export const MARKER = '_scs-test-';

/**
 * cloud-init user data of the guest: it prints the available entropy, runs rngtest on 1000 blocks
 * of /dev/random and ends with an end marker, each line prefixed so it can be found in the
 * console log among boot messages.
 */
const USER_DATA = `#cloud-config
packages:
  - rng-tools5
bootcmd:
  - systemctl mask serial-getty@ttyS0.service
runcmd:
  - >-
    cat /proc/sys/kernel/random/entropy_avail | awk '$0="${MARKER}entropy-avail: "$0'
  - >-
    cat /dev/random | rngtest -c 1000 2>&1 | awk '$0="${MARKER}fips-test: "$0'
  - echo '${MARKER}end'
final_message: "${MARKER}end"
`;

/** The test guest's console output by section, or why there is none; and what could not be removed. */
export type GuestOutput = ({ sections: Record<string, string[]> } | { unavailable: string }) & { notCleanedUp?: string[] };

/** Debian before Ubuntu, newer before older: the image SCS's entropy check boots. */
export function canonicalImage(images: Image[]): Image | undefined {
  const rank = (i: Image): number => {
    const distro = String(i.os_distro ?? '').toLowerCase();
    const version = String(i.os_version ?? '');
    if (distro === 'debian' && /^\d+$/.test(version)) return 2000 + Number(version);
    if (distro === 'ubuntu' && /^\d\d\.\d\d$/.test(version)) return 1000 + Number(version.replace('.', '')) / 10;
    return 0;
  };
  const ranked = images.filter((i) => rank(i) > 0 && i.status === 'active').sort((a, b) => rank(b) - rank(a));
  return ranked[0];
}

/**
 * The most frugal flavor that fits the image, preferring a root disk large enough for the image
 * (no boot volume needed) and flavors that allow a virtio RNG.
 */
export function guestFlavor(flavors: Flavor[], image: Image): Flavor | undefined {
  const fits = flavors.filter((f) => f.ram >= (image.min_ram ?? 0));
  const withDisk = fits.filter((f) => f.disk > 0 && f.disk >= (image.min_disk ?? 0));
  const pool = withDisk.length ? withDisk : fits;
  const rng = pool.filter((f) => String(f.extra_specs?.['hw_rng:allowed'] ?? '').toLowerCase() === 'true');
  return (rng.length ? rng : pool).sort((a, b) => a.vcpus + a.ram / 3 + a.disk / 10 - (b.vcpus + b.ram / 3 + b.disk / 10))[0];
}

/** Splits console output into the marked sections (`_scs-test-<section>: <line>`). */
export function parseConsole(output: string): Record<string, string[]> {
  const sections: Record<string, string[]> = {};
  for (const line of output.split('\n')) {
    const at = line.indexOf(MARKER);
    if (at < 0) continue;
    const m = /^([a-z-]+)(?:: ?(.*))?$/.exec(line.slice(at + MARKER.length).trimEnd());
    if (m) (sections[m[1]] ??= []).push(m[2] ?? '');
  }
  return sections;
}

/** A step that creates something, with the undo that removes it. */
type Undo = () => Promise<unknown>;

/**
 * Boots one guest (own network, subnet and, where an external network exists, router) with the
 * test user data, waits for the end marker on its serial console and removes everything again.
 * Memoized per run: both scs-0101 testcases read the same output.
 */
export function guestOutput(ctx: CheckContext): Promise<GuestOutput> {
  return ctx.data.once('guest-output', async () => {
    const s = ctx.session;
    for (const t of ['compute', 'network', 'image']) if (!s.endpoint(t)) return { unavailable: `the catalog has no ${t} service to boot a test guest with` };
    const image = canonicalImage(await ctx.data.images());
    if (!image) return { unavailable: 'no active public Debian or Ubuntu image to boot a test guest from' };
    const flavor = guestFlavor(await ctx.data.flavors(), image);
    if (!flavor) return { unavailable: `no flavor has the ${image.min_ram} MiB RAM image ${image.name} needs` };
    await removeLeftovers(ctx);
    const undo: Undo[] = [];
    const notCleanedUp: string[] = [];
    const result = async (): Promise<GuestOutput> => {
      const name = `${ctx.prefix}entropy`;
      const net = (await s.request('network', 'POST', '/v2.0/networks', { body: { network: { name } } })).body.network;
      undo.push(() => s.request('network', 'DELETE', `/v2.0/networks/${net.id}`));
      const subnet = (await s.request('network', 'POST', '/v2.0/subnets', { body: { subnet: { name, network_id: net.id, ip_version: 4, cidr: '10.1.0.0/24', dns_nameservers: ['9.9.9.9'] } } })).body.subnet;
      undo.push(() => s.request('network', 'DELETE', `/v2.0/subnets/${subnet.id}`));
      const external = (await s.request('network', 'GET', '/v2.0/networks', { query: { 'router:external': 'true' } })).body?.networks?.[0];
      if (external) {
        const router = (await s.request('network', 'POST', '/v2.0/routers', { body: { router: { name, external_gateway_info: { network_id: external.id } } } })).body.router;
        undo.push(() => s.request('network', 'DELETE', `/v2.0/routers/${router.id}`));
        await s.request('network', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { subnet_id: subnet.id } });
        undo.push(() => s.request('network', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { body: { subnet_id: subnet.id } }));
      }
      // flavors without a root disk boot from a volume made from the image
      const boot = flavor.disk > 0 ? { imageRef: image.id } : { block_device_mapping_v2: [{ boot_index: 0, uuid: image.id, source_type: 'image', destination_type: 'volume', volume_size: Math.max(image.min_disk ?? 0, 8), delete_on_termination: true }] };
      const server = (await s.request('compute', 'POST', '/servers', { body: { server: { name, flavorRef: flavor.id, networks: [{ uuid: net.id }], user_data: Buffer.from(USER_DATA).toString('base64'), ...boot } } })).body.server;
      undo.push(() => deleteServer(ctx, server.id));
      await waitFor(`server ${server.id} to become ACTIVE`, ctx.waitTimeoutMs, async () => {
        const got = (await s.request('compute', 'GET', `/servers/${server.id}`)).body.server;
        if (got.status === 'ERROR') throw new Error(`test server went to ERROR${got.fault?.message ? `: ${got.fault.message}` : ''}`);
        return got.status === 'ACTIVE' ? true : undefined;
      });
      try {
        const output = await waitFor('the guest to finish', ctx.guestTimeoutMs, async () => {
          const text = String((await s.request('compute', 'POST', `/servers/${server.id}/action`, { body: { 'os-getConsoleOutput': {} } })).body?.output ?? '');
          return parseConsole(text).end ? text : undefined;
        });
        return { sections: parseConsole(output), notCleanedUp };
      } catch (e) {
        if (!/timed out/.test((e as Error).message)) throw e;
        return {
          unavailable: `server ${image.name} / ${flavor.name} is ACTIVE but printed no test results on its serial console within ${(ctx.guestTimeoutMs / 1000).toFixed(ctx.guestTimeoutMs < 10_000 ? 1 : 0)} s: the cloud does not seem to boot real guests (or the guest could not run cloud-init)`,
          notCleanedUp,
        };
      }
    };
    try {
      return await result();
    } finally {
      for (const u of undo.reverse()) await u().catch((e: Error) => notCleanedUp.push(e.message));
    }
  });
}

async function deleteServer(ctx: CheckContext, id: string): Promise<void> {
  await ctx.session.request('compute', 'DELETE', `/servers/${id}`);
  await waitFor(`server ${id} to be deleted`, ctx.waitTimeoutMs, async () => {
    try {
      const got = (await ctx.session.request('compute', 'GET', `/servers/${id}`)).body.server;
      return got.status === 'DELETED' ? true : undefined;
    } catch (e) {
      if (isNotFound(e)) return true;
      throw e;
    }
  });
}

/** Removes servers, routers and networks an interrupted earlier run left behind. */
async function removeLeftovers(ctx: CheckContext): Promise<void> {
  const s = ctx.session;
  const name = `${ctx.prefix}entropy`;
  for (const srv of (await s.request('compute', 'GET', '/servers', { query: { name: `^${name}$` } })).body?.servers ?? []) if (srv.name === name) await deleteServer(ctx, srv.id);
  for (const r of (await s.request('network', 'GET', '/v2.0/routers', { query: { name } })).body?.routers ?? []) {
    const ports = (await s.request('network', 'GET', '/v2.0/ports', { query: { device_id: r.id } })).body?.ports ?? [];
    for (const p of ports) for (const ip of p.fixed_ips ?? []) await s.request('network', 'PUT', `/v2.0/routers/${r.id}/remove_router_interface`, { body: { subnet_id: ip.subnet_id } }).catch(() => undefined);
    await s.request('network', 'DELETE', `/v2.0/routers/${r.id}`);
  }
  for (const n of (await s.request('network', 'GET', '/v2.0/networks', { query: { name } })).body?.networks ?? []) await s.request('network', 'DELETE', `/v2.0/networks/${n.id}`);
}
