import type { FastifyInstance } from 'fastify';
import { notFound } from '../../../platform/errors.js';
import { POOL_CAPABILITIES, POOL_NAME, SERVICES, VOLUME_HOST, selectsVolumeHost } from '../model/services.js';
import { authorize, params, q, v3Route, type ApiDeps } from './common.js';
import { atLeast } from './versions.js';



/** Extensions of Cinder's `/extensions` list this service implements. */
const EXTENSIONS: Array<[alias: string, name: string, description: string]> = [
  ['os-admin-actions', 'AdminActions', 'Enable admin actions.'],
  ['os-availability-zone', 'AvailabilityZones', 'Describe Availability Zones.'],
  ['backups', 'Backups', 'Backups support.'],
  ['capabilities', 'Capabilities', 'Capabilities support.'],
  ['os-extended-snapshot-attributes', 'ExtendedSnapshotAttributes', 'Extended SnapshotAttributes support.'],
  ['os-hosts', 'Hosts', 'Admin-only host administration.'],
  ['os-quota-sets', 'Quotas', 'Quota management support.'],
  ['os-quota-class-sets', 'QuotaClasses', 'Quota classes management support.'],
  ['qos-specs', 'Qos_specs_manage', 'QoS specs support.'],
  ['scheduler-stats', 'Scheduler_stats', 'Scheduler stats support.'],
  ['os-services', 'Services', 'Services support.'],
  ['os-used-limits', 'UsedLimits', 'Provide data on limited resources that are being used.'],
  ['os-volume-actions', 'VolumeActions', 'Enable volume actions.'],
  ['encryption', 'VolumeTypeEncryption', 'Encryption support for volume types.'],
  ['os-vol-host-attr', 'VolumeHostAttribute', 'Expose host as an attribute of a volume.'],
  ['os-vol-image-meta', 'VolumeImageMetadata', 'Show image metadata associated with the volume.'],
  ['os-vol-mig-status-attr', 'VolumeMigStatusAttribute', 'Expose migration_status as an attribute of a volume.'],
  ['os-vol-tenant-attr', 'VolumeTenantAttribute', 'Expose the internal project_id as an attribute of a volume.'],
  ['os-volume-transfer', 'VolumeTransfer', 'Volume transfer management support.'],
  ['os-volume-type-access', 'VolumeTypeAccess', 'Volume type access support.'],
  ['os-types-extra-specs', 'TypesExtraSpecs', 'Type extra specs support.'],
  ['os-types-manage', 'TypesManage', 'Types manage support.'],
];

/** `/extensions`, admin `os-hosts` (list, usage on the volume host) and `capabilities/{host}`. */
export function registerBackendRoutes(app: FastifyInstance, d: ApiDeps): void {
  const started = new Date().toISOString().replace(/\.\d+Z$/, '.000000');

  v3Route(app, 'GET', '/extensions', async (req) => {
    authorize(req, 'volume:get_all');
    const updated = '2013-04-18T00:00:00+00:00';
    return { extensions: EXTENSIONS.map(([alias, name, description]) => ({ alias, name, description, updated, links: [], namespace: `https://docs.openstack.org/volume/ext/${alias}/api/v1` })) };
  });

  v3Route(app, 'GET', '/os-hosts', async (req) => {
    authorize(req, 'volume_extension:hosts');
    const zone = d.settings.availabilityZone;
    return { hosts: SERVICES.map((s) => ({ host_name: s.host, service: s.binary, zone, 'service-status': 'available', 'service-state': 'enabled', 'last-update': started })) };
  });

  v3Route(app, 'GET', '/os-hosts/:host', async (req) => {
    const auth = authorize(req, 'volume_extension:hosts');
    const host = params(req).host;
    if (host !== VOLUME_HOST && host !== POOL_NAME) throw notFound(`Host ${host} could not be found.`);
    const volumes = await d.volumes.list(auth, { allTenants: true, filters: {}, sort: [] });
    const snapshots = await d.snapshots.list(auth, { allTenants: true, filters: {}, sort: [] });
    const usage = (project: string, vs: typeof volumes, ss: typeof snapshots) => ({
      resource: {
        host,
        project,
        volume_count: String(vs.length),
        total_volume_gb: String(vs.reduce((n, v) => n + v.size, 0)),
        snapshot_count: String(ss.length),
        total_snapshot_gb: String(ss.reduce((n, s) => n + s.size, 0)),
      },
    });
    const projects = [...new Set(volumes.map((v) => v.project_id))].sort();
    return {
      host: [
        usage('(total)', volumes, snapshots),
        ...projects.map((p) => usage(p, volumes.filter((v) => v.project_id === p), snapshots.filter((s) => s.project_id === p))),
      ],
    };
  });

  // The filters each listing honours (model/*.ts `list`), as Cinder publishes its resource_filters.json (3.33).
  const RESOURCE_FILTERS: Record<string, string[]> = {
    volume: ['name', 'status', 'metadata', 'bootable', 'availability_zone', 'group_id', 'volume_type'],
    snapshot: ['name', 'status', 'volume_id'],
    backup: ['name', 'status', 'volume_id'],
    group: ['group_type'],
  };
  v3Route(app, 'GET', '/resource_filters', async (req) => {
    authorize(req, 'volume:get_all');
    if (!atLeast(req, 33)) throw notFound('The resource could not be found (resource filters need microversion 3.33).');
    const resource = q(req).resource;
    const pick = resource === undefined ? Object.keys(RESOURCE_FILTERS) : Object.keys(RESOURCE_FILTERS).filter((r) => r === resource);
    return { resource_filters: pick.map((r) => ({ resource: r, filters: RESOURCE_FILTERS[r] })) };
  });

  // Clients send the pool name unescaped, so the `#pool` part is a fragment the server never sees.
  v3Route(app, 'GET', '/capabilities/:host', async (req) => {
    authorize(req, 'volume_extension:capabilities');
    const host = params(req).host;
    if (!selectsVolumeHost(host)) throw notFound(`Host ${host} could not be found.`);
    return {
      namespace: `OS::Storage::Capabilities::${VOLUME_HOST}`,
      volume_backend_name: POOL_CAPABILITIES.volume_backend_name,
      vendor_name: POOL_CAPABILITIES.vendor_name,
      driver_version: POOL_CAPABILITIES.driver_version,
      storage_protocol: POOL_CAPABILITIES.storage_protocol,
      pool_name: null,
      display_name: null,
      description: null,
      visibility: null,
      replication_targets: [],
      properties: {
        thin_provisioning: { title: 'Thin Provisioning', description: 'Sets thin provisioning.', type: 'boolean' },
        multiattach: { title: 'Multi-attach', description: 'Volumes may be attached to several servers.', type: 'boolean' },
      },
    };
  });
}
