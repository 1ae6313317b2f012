import type { FastifyInstance } from 'fastify';
import { notFound } from '../../../platform/errors.js';

/** Nova's legacy extension names of what this API implements (the list is informational since v2.1). */
const EXTENSIONS: Array<[name: string, alias: string, description: string]> = [
  ['AccessIPs', 'os-access-ips', 'Access IPs support.'],
  ['AdminActions', 'os-admin-actions', 'Enable admin-only server actions.'],
  ['AdminPassword', 'os-admin-password', 'Admin password management support.'],
  ['Aggregates', 'os-aggregates', 'Admin-only aggregate administration.'],
  ['AttachInterfaces', 'os-attach-interfaces', 'Attach interface support.'],
  ['AvailabilityZone', 'os-availability-zone', '1. Add availability_zone to the Create Server API. 2. Add availability zones describing.'],
  ['ConsoleOutput', 'os-console-output', 'Console log output support, with tailing ability.'],
  // Nova's static list still names the console proxy its API no longer serves (410 since 21.0.0); here as there.
  ['Consoles', 'os-consoles', 'Interactive Console support.'],
  ['BlockDeviceMapping', 'os-block-device-mapping', 'Block device mapping boot support.'],
  ['BlockDeviceMappingV2Boot', 'os-block-device-mapping-v2-boot', 'Allow boot with the new BDM data format.'],
  ['ConfigDrive', 'os-config-drive', 'Config Drive Extension.'],
  ['CreateBackup', 'os-create-backup', 'Create a backup of a server.'],
  ['DiskConfig', 'OS-DCF', 'Disk Management Extension.'],
  ['ExtendedAvailabilityZone', 'OS-EXT-AZ', 'Extended Availability Zone support.'],
  ['ExtendedIps', 'OS-EXT-IPS', 'Adds type parameter to the ip list.'],
  ['ExtendedIpsMac', 'OS-EXT-IPS-MAC', 'Adds mac address parameter to the ip list.'],
  ['ExtendedHypervisors', 'os-extended-hypervisors', 'Extended hypervisors support.'],
  ['ExtendedQuotas', 'os-extended-quotas', 'Adds ability for admins to delete quota and optionally force the update Quota command.'],
  ['ExtendedRescueWithImage', 'os-extended-rescue-with-image', 'Support to specify image ref to rescue.'],
  ['ExtendedServerAttributes', 'OS-EXT-SRV-ATTR', 'Extended Server Attributes support.'],
  ['ExtendedServices', 'os-extended-services', 'Extended services support.'],
  ['ExtendedServicesDelete', 'os-extended-services-delete', 'Extended services deletion support.'],
  ['ExtendedStatus', 'OS-EXT-STS', 'Extended Status support.'],
  ['ExtendedVolumes', 'os-extended-volumes', 'Extended Volumes support.'],
  ['FlavorDisabled', 'OS-FLV-DISABLED', 'Support to show the disabled status of a flavor.'],
  ['FlavorExtraData', 'OS-FLV-EXT-DATA', 'Provide additional data for flavors.'],
  ['FlavorRxtx', 'os-flavor-rxtx', 'Support to show the rxtx status of a flavor.'],
  ['FlavorSwap', 'os-flavor-swap', 'Support to show the swap status of a flavor.'],
  ['FloatingIpPools', 'os-floating-ip-pools', 'Floating IPs support.'],
  ['FloatingIps', 'os-floating-ips', 'Floating IPs support.'],
  ['FlavorAccess', 'os-flavor-access', 'Flavor access support.'],
  ['FlavorExtraSpecs', 'os-flavor-extra-specs', 'Flavors extra specs support.'],
  ['FlavorManage', 'os-flavor-manage', 'Flavor create/delete API support.'],
  ['Hosts', 'os-hosts', 'Admin-only host administration.'],
  ['HypervisorStatus', 'os-hypervisor-status', 'Show hypervisor status.'],
  ['Hypervisors', 'os-hypervisors', 'Admin-only hypervisor administration.'],
  ['ImageSize', 'OS-EXT-IMG-SIZE', 'Adds image size to image listings.'],
  ['InstanceActions', 'os-instance-actions', 'View a log of actions and events taken on an instance.'],
  ['OSInstanceUsageAuditLog', 'os-instance_usage_audit_log', 'Admin-only Task Log Monitoring.'],
  ['Keypairs', 'os-keypairs', 'Keypair Support.'],
  ['LockServer', 'os-lock-server', 'Enable lock/unlock server actions.'],
  ['MigrateServer', 'os-migrate-server', 'Enable migrate and live-migrate server actions.'],
  ['Migrations', 'os-migrations', 'Provide data on migrations.'],
  ['MultipleCreate', 'os-multiple-create', 'Allow multiple create in the Create Server v2.1 API.'],
  ['Networks', 'os-networks', 'Admin-only Network Management Extension.'],
  ['Personality', 'os-personality', 'Personality support.'],
  ['PauseServer', 'os-pause-server', 'Enable pause/unpause server actions.'],
  ['QuotaClasses', 'os-quota-class-sets', 'Quota classes management support.'],
  ['Quotas', 'os-quota-sets', 'Quotas management support.'],
  ['Rescue', 'os-rescue', 'Instance rescue mode.'],
  ['SchedulerHints', 'OS-SCH-HNT', 'Pass arbitrary key/value pairs to the scheduler.'],
  ['SecurityGroups', 'os-security-groups', 'Security group support.'],
  ['ServerDiagnostics', 'os-server-diagnostics', 'Allow Admins to view server diagnostics through server action.'],
  ['ServerGroupQuotas', 'os-server-group-quotas', 'Adds quota support to server groups.'],
  ['ServerExternalEvents', 'os-server-external-events', 'Server External Event Triggers.'],
  ['ServerGroups', 'os-server-groups', 'Server group support.'],
  ['ServerListMultiStatus', 'os-server-list-multi-status', 'Allow to filter the servers by a set of status values.'],
  ['ServerPassword', 'os-server-password', 'Server password support.'],
  ['ServerStartStop', 'os-server-start-stop', 'Start/Stop instance compute API support.'],
  ['ServerSortKeys', 'os-server-sort-keys', 'Add sorting support in get Server v2 API.'],
  ['ServerUsage', 'OS-SRV-USG', 'Adds launched_at and terminated_at on Servers.'],
  ['Services', 'os-services', 'Services support.'],
  ['Shelve', 'os-shelve', 'Instance shelve mode.'],
  ['SimpleTenantUsage', 'os-simple-tenant-usage', 'Simple tenant usage extension.'],
  ['SuspendServer', 'os-suspend-server', 'Enable suspend/resume server actions.'],
  ['OSTenantNetworks', 'os-tenant-networks', 'Tenant-based Network Management Extension.'],
  ['UserData', 'os-user-data', 'Add user_data to the Create Server API.'],
  ['UsedLimits', 'os-used-limits', 'Provide data on limited resources that are being used.'],
  ['UsedLimitsForAdmin', 'os-used-limits-for-admin', 'Provide data to admin on limited resources used by other tenants.'],
  ['UserQuotas', 'os-user-quotas', 'Project user quota support.'],
  ['Volumes', 'os-volumes', 'Volumes support.'],
];

const render = ([name, alias, description]: (typeof EXTENSIONS)[number]) => ({
  name,
  alias,
  description,
  namespace: `http://docs.openstack.org/compute/ext/${alias}/api/v2.1`,
  updated: '2014-12-03T00:00:00Z',
  links: [],
});

/** `GET /extensions` (deprecated discovery of the legacy v2 extensions). */
export function registerExtensionRoutes(app: FastifyInstance): void {
  app.get('/v2.1/extensions', async () => ({ extensions: EXTENSIONS.map(render) }));
  app.get<{ Params: { alias: string } }>('/v2.1/extensions/:alias', async (req) => {
    const found = EXTENSIONS.find((e) => e[1] === req.params.alias);
    if (!found) throw notFound('Extension could not be found.');
    return { extension: render(found) };
  });
}
