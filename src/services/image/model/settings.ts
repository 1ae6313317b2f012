import { DEFAULT_CONTAINER_FORMATS, DEFAULT_DISK_FORMATS } from './schema.js';

/** The `services.image` section of the configuration. */
export interface ImageSettings {
  diskFormats: string[];
  containerFormats: string[];
  /** Bytes of image data a project may store; 0 = unlimited. */
  quotaBytesPerProject: number;
  /** Largest image accepted (Glance's image_size_cap, 1 TiB). */
  maxImageSize: number;
  maxTags: number;
  maxProperties: number;
  maxMembers: number;
  /** How long an upload or import may go without a heartbeat before it counts as dead. */
  transferLeaseSeconds: number;
  webDownload: {
    /** web-download over the network; off by default (air-gapped clouds use mirrors only). */
    enabled: boolean;
    /** URL prefixes web-download may fetch from (empty: any http/https URL). */
    allowedPrefixes: string[];
    /**
     * URL prefix -> local folder (or file: URL): a URL under the prefix is read from the folder
     * instead of the network. Mirrors work even when network downloads are off.
     */
    mirrors: Record<string, string>;
  };
  /** The SCS image list registered when the cloud starts with no images; false to skip. */
  standardImages: string | false;
}

export const DEFAULT_SETTINGS: ImageSettings = {
  diskFormats: DEFAULT_DISK_FORMATS,
  containerFormats: DEFAULT_CONTAINER_FORMATS,
  quotaBytesPerProject: 0,
  maxImageSize: 1024 ** 4,
  maxTags: 128,
  maxProperties: 128,
  maxMembers: 128,
  transferLeaseSeconds: 60,
  webDownload: { enabled: false, allowedPrefixes: [], mirrors: {} },
  standardImages: 'config/scs-images.yaml',
};

/** Import methods this cloud offers: web-download only when the network or a mirror can serve it. */
export function importMethods(s: ImageSettings): string[] {
  const web = s.webDownload.enabled || Object.keys(s.webDownload.mirrors).length > 0;
  return ['glance-direct', ...(web ? ['web-download'] : []), 'glance-download'];
}
