import { join, resolve } from 'node:path';
import { loadCloud } from '../../../operations/http/clouds.js';
import { OpenStackSession } from '../../../operations/http/session.js';
import { loadFlavorSpecs, syncFlavors, type FlavorSyncResult, type FlavorTarget } from './flavors.js';

/** A running cloud's Nova API as a sync target (admin credentials needed). */
function httpTarget(session: OpenStackSession): FlavorTarget {
  const mv = { microversion: '2.61' };
  return {
    async find(name) {
      const all = await session.listAll('compute', '/flavors/detail', 'flavors', { ...mv, query: { is_public: 'None' } });
      const f = all.find((x: { name: string }) => x.name === name);
      return f ? { id: f.id, vcpus: f.vcpus, ram: f.ram, disk: f.disk, is_public: f['os-flavor-access:is_public'], extra_specs: f.extra_specs ?? {} } : undefined;
    },
    async create(spec) {
      const body = { flavor: { name: spec.name, vcpus: spec.vcpus, ram: spec.ram, disk: spec.disk, 'os-flavor-access:is_public': spec.public, ...(spec.description ? { description: spec.description } : {}) } };
      return (await session.request('compute', 'POST', '/flavors', { ...mv, body })).body.flavor.id;
    },
    async remove(id) {
      await session.request('compute', 'DELETE', `/flavors/${id}`, mv);
    },
    async setExtraSpecs(id, specs) {
      if (Object.keys(specs).length) await session.request('compute', 'POST', `/flavors/${id}/os-extra_specs`, { ...mv, body: { extra_specs: specs } });
    },
  };
}

/** `scs flavors sync FILE [--cloud NAME | --data DIR]`: applies a flavor list to a running cloud. */
export async function flavorsSyncCommand(file: string, opts: { cloud?: string; data?: string }): Promise<FlavorSyncResult[]> {
  const specs = loadFlavorSpecs(resolve(file));
  const cloud = opts.data ? loadCloud('scs-admin', [join(resolve(opts.data), 'clouds.yaml')]) : loadCloud(opts.cloud ?? process.env.OS_CLOUD ?? 'scs-admin');
  return syncFlavors(httpTarget(await OpenStackSession.connect(cloud)), specs);
}
