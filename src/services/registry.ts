import type { ServiceModule } from '../platform/service.js';
import type { ComputeClient } from './compute/client.js';
import compute from './compute/plugin.js';
import type { IdentityClient } from './identity/client.js';
import identity from './identity/plugin.js';
import type { KeyManagerClient } from './keymanager/client.js';
import keymanager from './keymanager/plugin.js';
import type { ImageClient } from './image/client.js';
import image from './image/plugin.js';
import loadbalancer from './loadbalancer/plugin.js';
import type { NetworkClient } from './network/client.js';
import network from './network/plugin.js';
import type { ObjectStoreClient } from './objectstore/client.js';
import objectstore from './objectstore/plugin.js';
import type { PlacementClient } from './placement/client.js';
import placement from './placement/plugin.js';
import type { VolumeClient } from './volume/client.js';
import volume from './volume/plugin.js';

/**
 * Every service this process can host, in start order, and the typed clients they offer each
 * other. A service reaches another only through `ctx.clients.<name>`.
 */
export interface Clients {
  identity: IdentityClient;
  image: ImageClient;
  network: NetworkClient;
  objectstore: ObjectStoreClient;
  placement: PlacementClient;
  compute: ComputeClient;
  volume: VolumeClient;
  keymanager: KeyManagerClient;
}

export const serviceModules: ServiceModule<Clients>[] = [identity, keymanager, image, network, objectstore, volume, placement, compute, loadbalancer];
