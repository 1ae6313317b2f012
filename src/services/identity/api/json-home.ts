import type { FastifyInstance } from 'fastify';

const REL = 'https://docs.openstack.org/api/openstack-identity/3';

/** Keystone's relation names where they are not the ones derived from the path. */
const NAMED: Record<string, string> = {
  '/limits/model': 'limit_model',
  '/policies/{policy_id}/OS-ENDPOINT-POLICY/endpoints/{endpoint_id}': 'endpoint_policy_association',
  '/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}': 'service_policy_association',
  '/policies/{policy_id}/OS-ENDPOINT-POLICY/services/{service_id}/regions/{region_id}': 'region_and_service_policy_association',
};

const singular = (s: string) => (s.endsWith('ies') ? `${s.slice(0, -3)}y` : s.endsWith('s') ? s.slice(0, -1) : s);

/** One route as a JSON home resource: its relation (an extension's when the path names one), href or template. */
function resource(path: string): [string, Record<string, unknown>] {
  const names: string[] = [];
  const vars: Record<string, string> = {};
  let ext: string | undefined;
  const template = path
    .split('/')
    .map((seg, i, segs) => {
      if (seg.startsWith('OS-')) {
        ext ??= seg;
        return seg;
      }
      if (!seg.startsWith(':')) {
        if (seg) names.push(seg);
        return seg;
      }
      // A member of the collection before it: `users/:actor` is `users/{user_id}`, the `user` relation.
      const param = seg.slice(1);
      let name = param;
      if (!segs[i - 1].startsWith(':')) {
        const owner = singular(names.pop() ?? '');
        names.push(owner);
        if (!param.endsWith('_id')) name = `${owner}_id`;
      }
      vars[name] = `${REL}/param/${name}`;
      return `{${name}}`;
    })
    .join('/');
  const name = NAMED[template] ?? names.join('_');
  const rel = ext ? `${REL}/ext/${ext}/1.0/rel/${name}` : `${REL}/rel/${name}`;
  return [rel, Object.keys(vars).length ? { 'href-template': template, 'href-vars': vars } : { href: template }];
}

/**
 * Keystone's JSON home document (`Accept: application/json-home`), listing every /v3 route of the
 * service as it is registered: where clients and Keystone's peers find which APIs and extensions
 * (OS-TRUST, OS-EP-FILTER, OS-ENDPOINT-POLICY, ...) are offered. Call before the routes are added.
 */
export function collectJsonHome(app: FastifyInstance): (prefix: string) => { resources: Record<string, Record<string, unknown>> } {
  const paths = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v3/') && !route.url.includes('*')) paths.add(route.url.slice('/v3'.length));
  });
  return (prefix) => {
    const resources: Record<string, Record<string, unknown>> = {};
    for (const path of [...paths].sort()) {
      const [rel, entry] = resource(path);
      const at = (p: unknown) => `${prefix}${String(p)}`;
      resources[rel] ??= 'href' in entry ? { href: at(entry.href) } : { ...entry, 'href-template': at(entry['href-template']) };
    }
    return { resources };
  };
}
