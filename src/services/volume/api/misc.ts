import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { boolParam, isObj } from '../../../platform/http/validate.js';
import { QUOTA_RESOURCES } from '../model/quotas.js';
import { authorize, body, params, q, v3Route, type ApiDeps } from './common.js';

/** Quotas, limits, availability zones, services and pools. */
export function registerMiscRoutes(app: FastifyInstance, d: ApiDeps): void {
  v3Route(app, 'GET', '/os-quota-sets/:target', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:show', { project_id: target });
    if (q(req).usage !== undefined && boolParam(q(req).usage)) {
      return { quota_set: { id: target, ...(await d.quotas.detail(target)) } };
    }
    return { quota_set: { id: target, ...(await d.quotas.limits(target)) } };
  });
  v3Route(app, 'GET', '/os-quota-sets/:target/defaults', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:show', { project_id: target });
    return { quota_set: { id: target, ...d.quotas.defaults() } };
  });
  v3Route(app, 'PUT', '/os-quota-sets/:target', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:update', { project_id: target });
    const set = body(req).quota_set;
    if (!isObj(set)) throw badRequest('Missing required element quota_set in request body.');
    const values: Record<string, number> = {};
    for (const [k, v] of Object.entries(set)) {
      if (k === 'tenant_id' || k === 'id') continue;
      const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isInteger(n)) throw badRequest(`Invalid input received: Quota value ${JSON.stringify(v)} for ${k} must be an integer.`);
      values[k] = n;
    }
    await d.quotas.update(target, values);
    const limits = await d.quotas.limits(target);
    return { quota_set: Object.fromEntries(QUOTA_RESOURCES.map((r) => [r, limits[r]])) };
  });
  v3Route(app, 'DELETE', '/os-quota-sets/:target', async (req) => {
    const target = params(req).target;
    authorize(req, 'volume_extension:quotas:delete', { project_id: target });
    await d.quotas.reset(target);
    return '';
  });

  v3Route(app, 'GET', '/limits', async (req) => {
    const auth = authorize(req, 'limits_extension:used_limits');
    const project = auth.projectId ?? '';
    const [limits, used] = [await d.quotas.limits(project), await d.quotas.usage(project)];
    return {
      limits: {
        rate: [],
        absolute: {
          maxTotalVolumes: limits.volumes,
          maxTotalSnapshots: limits.snapshots,
          maxTotalVolumeGigabytes: limits.gigabytes,
          maxTotalBackups: limits.backups,
          maxTotalBackupGigabytes: limits.backup_gigabytes,
          totalVolumesUsed: used.volumes,
          totalSnapshotsUsed: used.snapshots,
          totalGigabytesUsed: used.gigabytes,
          totalBackupsUsed: used.backups,
          totalBackupGigabytesUsed: used.backup_gigabytes,
        },
      },
    };
  });

  v3Route(app, 'GET', '/os-availability-zone', async (req) => {
    authorize(req, 'volume_extension:availability_zone_list');
    return { availabilityZoneInfo: [{ zoneName: d.settings.availabilityZone, zoneState: { available: true } }] };
  });

  // One process hosts every Cinder role; the services are as up as this process.
  const started = new Date().toISOString().replace(/\.\d+Z$/, '.000000');
  v3Route(app, 'GET', '/os-services', async (req) => {
    authorize(req, 'volume_extension:services:index');
    const zone = d.settings.availabilityZone;
    const row = (binary: string, host: string) => ({ binary, host, zone, status: 'enabled', state: 'up', updated_at: started, disabled_reason: null, frozen: false, cluster: null, replication_status: binary === 'cinder-volume' ? 'disabled' : undefined });
    const services = [row('cinder-scheduler', 'localhost'), row('cinder-volume', 'localhost@file'), row('cinder-backup', 'localhost')];
    const query = q(req);
    return { services: services.filter((s) => (!query.binary || s.binary === query.binary) && (!query.host || s.host === query.host)) };
  });

  v3Route(app, 'GET', '/scheduler-stats/get_pools', async (req) => {
    authorize(req, 'scheduler_extension:scheduler_stats:get_pools');
    const pool = { name: 'localhost@file#file' };
    if (!(q(req).detail && boolParam(q(req).detail))) return { pools: [pool] };
    return { pools: [{ ...pool, capabilities: { volume_backend_name: 'file', vendor_name: 'SCS', driver_version: '1.0', storage_protocol: 'file', thin_provisioning_support: true, multiattach: true, QoS_support: false } }] };
  });
}
