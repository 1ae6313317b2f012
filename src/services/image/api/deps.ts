import type { DataService } from '../model/data.js';
import type { ImageService } from '../model/images.js';
import type { MemberService } from '../model/members.js';
import type { ImageSchemas } from '../model/schema.js';
import type { ImageSettings } from '../model/settings.js';

/** What the image routes work with, built once in plugin.ts. */
export interface ImageDeps {
  settings: ImageSettings;
  /** Image bytes are encrypted at rest. */
  encrypted: boolean;
  schemas: ImageSchemas;
  images: ImageService;
  members: MemberService;
  data: DataService;
  /** `http://host:port` of the image listener. */
  baseUrl(): string;
}
