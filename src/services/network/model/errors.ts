import { ApiError } from '../../../platform/errors.js';

/**
 * Neutron's exceptions by type name (neutron_lib.exceptions): the name travels as the ApiError
 * code and becomes `NeutronError.type`.
 */
const make = (kind: ConstructorParameters<typeof ApiError>[0], status: number) => (type: string, message: string) =>
  new ApiError(kind, message, { code: type, status });

export const nBadRequest = make('badRequest', 400);
export const nNotFound = make('notFound', 404);
export const nConflict = make('conflict', 409);
export const nForbidden = make('forbidden', 403);
export const nUnavailable = make('unavailable', 503);

const TYPES: Record<string, string> = {
  network: 'NetworkNotFound',
  subnet: 'SubnetNotFound',
  subnetpool: 'SubnetPoolNotFound',
  port: 'PortNotFound',
  router: 'RouterNotFound',
  floatingip: 'FloatingIPNotFound',
  security_group: 'SecurityGroupNotFound',
  security_group_rule: 'SecurityGroupRuleNotFound',
  default_security_group_rule: 'DefaultSecurityGroupRuleNotFound',
  rbac_policy: 'RbacPolicyNotFound',
  address_scope: 'AddressScopeNotFound',
  address_group: 'AddressGroupNotFound',
  qos_policy: 'QosPolicyNotFound',
  trunk: 'TrunkNotFound',
  flavor: 'FlavorNotFound',
  service_profile: 'ServiceProfileNotFound',
  segment: 'SegmentNotFound',
};
const LABELS: Record<string, string> = {
  network: 'Network',
  subnet: 'Subnet',
  subnetpool: 'Subnet pool',
  port: 'Port',
  router: 'Router',
  floatingip: 'Floating IP',
  security_group: 'Security group',
  security_group_rule: 'Security group rule',
  default_security_group_rule: 'Default Security Group rule',
  rbac_policy: 'RBAC policy',
  address_scope: 'Address scope',
  address_group: 'Address group',
  qos_policy: 'QoS policy',
  trunk: 'Trunk',
  flavor: 'Flavor',
  service_profile: 'Service Profile',
  segment: 'Segment',
};

export const notFoundOf = (kind: string, id: string) => nNotFound(TYPES[kind] ?? 'NotFound', `${LABELS[kind] ?? kind} ${id} could not be found.`);

export const overQuota = (resource: string) => nConflict('OverQuota', `Quota exceeded for resources: ['${resource}'].`);

export const inUse = (type: string, message: string) => nConflict(type, message);
