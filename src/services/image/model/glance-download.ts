import { badRequest } from '../../../platform/errors.js';
import type { Obj } from '../../../platform/http/validate.js';

/**
 * Glance's `glance-download` import: the data, formats and some properties of an image of the
 * image service of another region. One process of this cloud serves one region, so the source is
 * found when the region is this cloud's own; any other region fails the import as an unknown endpoint.
 */
export interface RemoteImage {
  imageId: string;
  region: string;
  interface: string;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
/** The catalog interfaces this cloud registers its image endpoint under. */
const INTERFACES = ['public', 'internal', 'admin'];
/** Glance's default `[glance_download_properties] extra_properties`: prefixes of the properties copied. */
const COPIED_PREFIXES = ['hw_', 'trait:', 'os_distro', 'os_secure_boot', 'os_type'];

/** Validates the `method` object of the import request as Glance does before accepting it. */
export function parseRemoteImage(method: Obj): RemoteImage {
  const region = method.glance_region;
  const imageId = method.glance_image_id;
  const iface = method.glance_service_interface ?? 'public';
  if (typeof region !== 'string' || !region) throw badRequest("'glance_region' needs to be set for glance-download import method");
  if (typeof imageId !== 'string' || !imageId) throw badRequest("'glance_image_id' needs to be set for glance-download import method");
  if (!UUID.test(imageId)) throw badRequest(`Remote image id does not look like a UUID: ${imageId}`);
  if (typeof iface !== 'string') throw badRequest("'glance_service_interface' must be a string");
  return { imageId, region, interface: iface };
}

/** Why the source cannot be reached from this cloud, if it cannot (checked when the import runs, as Glance contacts the remote then). */
export function unreachable(remote: RemoteImage, region: string): string | undefined {
  if (remote.region !== region || !INTERFACES.includes(remote.interface)) {
    return `No image service endpoint found in region ${remote.region} with interface ${remote.interface}.`;
  }
  return undefined;
}

/** The source's properties that glance-download copies onto the new image. */
export function copiedProperties(props: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).filter(([k]) => COPIED_PREFIXES.some((p) => k.startsWith(p))));
}
