import type { SimulatedConfig } from '../drivers/simulated.js';

/** The `compute` section of the configuration. */
export interface ComputeSettings extends SimulatedConfig {
  /** Default quota limits for every project (Nova's defaults). */
  quotas: Record<string, number>;
  /** Largest decoded `user_data` accepted (Nova: 65535 bytes). */
  userDataMaxBytes: number;
  /** Flavor list created at bootstrap (relative to the project root); '' for none. */
  standardFlavors: string;
  /** A server still building after this long goes to ERROR (Nova's instance_build_timeout). */
  buildTimeoutMs: number;
}

export const DEFAULT_QUOTAS: Record<string, number> = {
  instances: 10,
  cores: 20,
  ram: 51200,
  key_pairs: 100,
  metadata_items: 128,
  server_groups: 10,
  server_group_members: 10,
  injected_files: 5,
  injected_file_content_bytes: 10240,
  injected_file_path_bytes: 255,
};

export const DEFAULT_SETTINGS: ComputeSettings = {
  hosts: [
    { name: 'compute-1', zone: 'nova' },
    { name: 'compute-2', zone: 'nova' },
  ],
  buildDelayMs: 200,
  actionDelayMs: 100,
  restartDelayMs: 2000,
  allocationRatios: { VCPU: 4, MEMORY_MB: 1.5, DISK_GB: 1 },
  quotas: DEFAULT_QUOTAS,
  userDataMaxBytes: 65535,
  standardFlavors: 'config/scs-flavors-mandatory.yaml',
  buildTimeoutMs: 600_000,
};
