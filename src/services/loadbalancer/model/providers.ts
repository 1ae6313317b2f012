import { ApiError, badRequest } from '../../../platform/errors.js';
import type { LoadBalancerDriver } from '../drivers/driver.js';

/** Octavia's name of its default provider, and the deprecated alias of it. */
export const AMPHORA = 'amphora';
const ALIASES = [AMPHORA, 'octavia'];

/** One metadata key a provider takes in a flavor or availability zone profile. */
interface Key {
  description: string;
  type: 'string' | 'boolean' | 'array';
  /** The values accepted (all of the type when absent). */
  accepted?: readonly unknown[];
}
type Schema = Record<string, Key>;

/**
 * The flavor keys of Octavia's amphora driver, as our data planes can honour them. Nothing here
 * runs amphora instances: compute_flavor and amp_image_tag are kept with the profile but change
 * nothing; SR-IOV ports do not exist, so only false is taken.
 */
function flavorSchema(driver: LoadBalancerDriver): Schema {
  const both = driver.topologies.includes('ACTIVE_STANDBY');
  return {
    loadbalancer_topology: {
      type: 'string',
      accepted: driver.topologies,
      description: both
        ? 'The load balancer topology. One of: SINGLE - One amphora per load balancer. ACTIVE_STANDBY - Two amphora per load balancer.'
        : `The load balancer topology. One of: SINGLE - One data plane per load balancer (the ${driver.name} provider has no ACTIVE_STANDBY).`,
    },
    compute_flavor: { type: 'string', description: 'The compute driver flavor ID (kept, without effect: no amphora instances run here).' },
    amp_image_tag: { type: 'string', description: 'The amphora image tag (kept, without effect: no amphora instances run here).' },
    sriov_vip: { type: 'boolean', accepted: [false], description: 'When true, the VIP port will be created using an SR-IOV VF port (only false: not available here).' },
    allow_member_sriov: { type: 'boolean', accepted: [false], description: 'When true, users can request a member port be SR-IOV enabled (only false: not available here).' },
  };
}

/** The availability zone keys of Octavia's amphora driver; valid_vip_networks is enforced. */
const AZ_SCHEMA: Schema = {
  compute_zone: { type: 'string', description: 'The compute availability zone.' },
  volume_zone: { type: 'string', description: 'The volume availability zone (kept, without effect: no amphora volumes exist here).' },
  management_network: { type: 'string', description: 'The management network ID for the amphora (kept, without effect: no amphora instances run here).' },
  valid_vip_networks: { type: 'array', description: 'List of network IDs that are allowed for VIP use in this availability zone.' },
};

/** Octavia's answer for what a provider does not take (its driver's UnsupportedOptionError, 501). */
export const unsupportedOption = (provider: string, what: string) => new ApiError('notImplemented', `Provider '${provider}' does not support a requested option: ${what}`, { status: 501 });

const typeOf = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);

/** Checks metadata against a schema as the amphora driver's JSON schema does (no extra keys). */
function check(provider: string, schema: Schema, data: unknown): void {
  if (typeOf(data) !== 'object') throw unsupportedOption(provider, `${JSON.stringify(data)} is not of type 'object'`);
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const key = schema[k];
    if (!key) throw unsupportedOption(provider, `Additional properties are not allowed ('${k}' was unexpected)`);
    if (typeOf(v) !== key.type) throw unsupportedOption(provider, `${k} ${JSON.stringify(v)} is not of type '${key.type}'`);
    if (key.accepted && !key.accepted.includes(v)) throw unsupportedOption(provider, `${k} ${JSON.stringify(v)} is not one of ${JSON.stringify(key.accepted)}`);
  }
}

/** Parses a profile's metadata text: not JSON is Octavia's InvalidOption (400). */
function parse(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest(`${text} is not a valid option for ${option}`);
  }
}

/**
 * The provider names clients may ask for: each driver's own name, and Octavia's `amphora` (with
 * its deprecated alias `octavia`) served by the configured default driver, so clients and tools
 * that name Octavia's default provider (e.g. `lb-provider=amphora`) work unchanged.
 */
export class Providers {
  constructor(
    private readonly drivers: Map<string, LoadBalancerDriver>,
    private readonly defaultDriver: string,
  ) {}

  list(): Array<{ name: string; description: string }> {
    const own = [...this.drivers.values()].map((d) => ({ name: d.name, description: d.description }));
    return [
      { name: AMPHORA, description: `Octavia's default provider name served here by the ${this.defaultDriver} provider` },
      { name: 'octavia', description: `Deprecated alias of ${AMPHORA}` },
      ...own,
    ];
  }

  /** The driver behind a provider name, undefined when no such provider is enabled. */
  driver(name: string): LoadBalancerDriver | undefined {
    return this.drivers.get(ALIASES.includes(name) ? this.defaultDriver : name);
  }

  /** The driver behind a provider name, or Octavia's 400 for one that is not enabled. */
  enabled(name: unknown): LoadBalancerDriver {
    const d = typeof name === 'string' ? this.driver(name) : undefined;
    if (!d) throw badRequest(`Provider '${String(name)}' is not enabled.`);
    return d;
  }

  capabilities(provider: string, what: 'flavor' | 'availability_zone'): Array<{ name: string; description: string }> {
    const driver = this.enabled(provider);
    const schema = what === 'flavor' ? flavorSchema(driver) : AZ_SCHEMA;
    return Object.entries(schema).map(([name, k]) => ({ name, description: k.description }));
  }

  /** Validates a flavor profile's `flavor_data` text for a provider; returns the parsed metadata. */
  flavorData(provider: string, text: string): Record<string, unknown> {
    const data = parse(text, 'flavor_data');
    check(provider, flavorSchema(this.enabled(provider)), data);
    return data as Record<string, unknown>;
  }

  /** Validates an availability zone profile's `availability_zone_data` text for a provider. */
  azData(provider: string, text: string): Record<string, unknown> {
    const data = parse(text, 'availability_zone_data');
    this.enabled(provider);
    check(provider, AZ_SCHEMA, data);
    return data as Record<string, unknown>;
  }
}
