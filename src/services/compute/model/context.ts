import type { JobRunner } from '../../../platform/jobs.js';
import type { Logger } from '../../../platform/logging.js';
import type { IdentityClient } from '../../identity/client.js';
import type { ImageClient } from '../../image/client.js';
import type { NetworkClient } from '../../network/client.js';
import type { PlacementClient } from '../../placement/client.js';
import type { VolumeClient } from '../../volume/client.js';
import type { ComputeDriver } from '../drivers/driver.js';
import type { HostStateStore } from '../store/hosts.js';
import type { ControlServiceStore } from '../store/control-services.js';
import type { MigrationStore } from '../store/moves.js';
import type { ServerStore } from '../store/servers.js';
import type { AggregateService } from './aggregates.js';
import type { FlavorService } from './flavors.js';
import type { ServerGroupService } from './groups.js';
import type { KeypairService } from './keypairs.js';
import type { QuotaService } from './quotas.js';
import type { Scheduler } from './scheduler.js';
import type { ComputeSettings } from './settings.js';
import type { VolumeService } from './volumes.js';

/** Other services compute calls; image, network and volume are optional (a cloud may run without them). */
export interface Peers {
  identity: IdentityClient;
  placement: PlacementClient;
  image?: ImageClient;
  network?: NetworkClient;
  volume?: VolumeClient;
}

/** Everything the compute model works with, built once by the plugin. */
export interface ComputeModel {
  settings: ComputeSettings;
  servers: ServerStore;
  flavors: FlavorService;
  keypairs: KeypairService;
  quotas: QuotaService;
  groups: ServerGroupService;
  aggregates: AggregateService;
  migrations: MigrationStore;
  volumes: VolumeService;
  scheduler: Scheduler;
  driver: ComputeDriver;
  hostState: HostStateStore;
  /** Heartbeats of the scheduler and conductor of every process (os-services). */
  controlServices: ControlServiceStore;
  jobs: JobRunner;
  log: Logger;
  /** Read at call time: clients are registered after every service is created. */
  peers(): Peers;
}
