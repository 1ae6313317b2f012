import { badRequest } from '../../../platform/errors.js';

/**
 * The JSON schemas Glance publishes under /v2/schemas (the CLI and openstacksdk read them) and the
 * validation of image bodies against the image schema. Property names, types, enums and limits
 * are Glance's; descriptions are ours.
 */
export const UUID_PATTERN = '^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$';

export const DEFAULT_DISK_FORMATS = ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2', 'vdi', 'iso', 'ploop'];
export const DEFAULT_CONTAINER_FORMATS = ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker', 'compressed'];
export const IMAGE_STATUSES = ['queued', 'saving', 'active', 'killed', 'deleted', 'uploading', 'importing', 'pending_delete', 'deactivated'];
export const VISIBILITIES = ['community', 'public', 'private', 'shared'];

type PropSchema = Record<string, unknown>;

const str = (description: string, extra: PropSchema = {}): PropSchema => ({ type: 'string', description, ...extra });
const nullStr = (description: string, extra: PropSchema = {}): PropSchema => ({ type: ['null', 'string'], description, ...extra });
const readOnly = (p: PropSchema): PropSchema => ({ ...p, readOnly: true });

function baseProperties(diskFormats: string[], containerFormats: string[]): Record<string, PropSchema> {
  return {
    id: str('Identifier of the image', { pattern: UUID_PATTERN }),
    name: nullStr('Name of the image', { maxLength: 255 }),
    status: readOnly(str('Status of the image', { enum: IMAGE_STATUSES })),
    visibility: str('Who may see the image', { enum: VISIBILITIES }),
    protected: { type: 'boolean', description: 'A protected image cannot be deleted.' },
    os_hidden: { type: 'boolean', description: 'A hidden image is left out of the default image list.' },
    checksum: readOnly(nullStr('MD5 of the image data', { maxLength: 32 })),
    os_hash_algo: readOnly(nullStr('Algorithm of os_hash_value', { maxLength: 64 })),
    os_hash_value: readOnly(nullStr('Hex digest of the image data with os_hash_algo', { maxLength: 128 })),
    owner: nullStr('Project owning the image', { maxLength: 255 }),
    size: readOnly({ type: ['null', 'integer'], description: 'Size of the image data in bytes' }),
    virtual_size: readOnly({ type: ['null', 'integer'], description: 'Virtual size of the disk in bytes' }),
    container_format: nullStr('Container format of the image data', { enum: [null, ...containerFormats] }),
    disk_format: nullStr('Disk format of the image data', { enum: [null, ...diskFormats] }),
    created_at: readOnly(str('When the image was registered')),
    updated_at: readOnly(str('When the image was last changed')),
    tags: { type: 'array', description: 'Tags of the image', items: { type: 'string', maxLength: 255 } },
    direct_url: readOnly(str('URL of the data in an external store')),
    min_ram: { type: 'integer', description: 'RAM (MiB) needed to boot the image' },
    min_disk: { type: 'integer', description: 'Disk (GiB) needed to boot the image' },
    self: readOnly(str('URL of the image')),
    file: readOnly(str('URL of the image data')),
    stores: readOnly(str('Stores holding the image data, comma separated')),
    schema: readOnly(str('URL of the image schema')),
    locations: {
      type: 'array',
      description: 'URLs of the image data in external stores',
      items: {
        type: 'object',
        properties: { url: { type: 'string', maxLength: 255 }, metadata: { type: 'object' } },
        required: ['url', 'metadata'],
      },
    },
  };
}

/** Properties Glance's shipped schema-image.json adds (not base properties). */
const CUSTOM_PROPERTIES: Record<string, PropSchema> = {
  kernel_id: nullStr('Kernel image of an AMI-style image', { pattern: UUID_PATTERN, is_base: false }),
  ramdisk_id: nullStr('Ramdisk image of an AMI-style image', { pattern: UUID_PATTERN, is_base: false }),
  instance_uuid: str('Server this image was made from (informational)', { is_base: false }),
  architecture: str('CPU architecture (e.g. x86_64, aarch64)', { is_base: false }),
  os_distro: str('Operating system distribution (e.g. ubuntu, debian)', { is_base: false }),
  os_version: str('Operating system version as the distributor numbers it', { is_base: false }),
  description: str('Description of the image', { is_base: false }),
  cinder_encryption_key_id: str('Key manager id of the key of an encrypted volume image', { is_base: false }),
  cinder_encryption_key_deletion_policy: str('When the image service deletes that key', { enum: ['on_image_deletion', 'do_not_delete'], is_base: false }),
};

const LINKS = [
  { rel: 'self', href: '{self}' },
  { rel: 'enclosure', href: '{file}' },
  { rel: 'describedby', href: '{schema}' },
];

export class ImageSchemas {
  readonly properties: Record<string, PropSchema>;

  constructor(
    readonly diskFormats: string[],
    readonly containerFormats: string[],
  ) {
    this.properties = { ...baseProperties(diskFormats, containerFormats), ...CUSTOM_PROPERTIES };
  }

  image() {
    return { name: 'image', properties: this.properties, additionalProperties: { type: 'string' }, links: LINKS };
  }

  images() {
    return {
      name: 'images',
      properties: { images: { type: 'array', items: this.image() }, first: { type: 'string' }, next: { type: 'string' }, schema: { type: 'string' } },
      links: [
        { rel: 'first', href: '{first}' },
        { rel: 'next', href: '{next}' },
        { rel: 'describedby', href: '{schema}' },
      ],
    };
  }

  member() {
    return { name: 'member', properties: MEMBER_PROPERTIES };
  }

  members() {
    return {
      name: 'members',
      properties: { members: { type: 'array', items: this.member() }, schema: { type: 'string' } },
      links: [{ rel: 'describedby', href: '{schema}' }],
    };
  }

  /** Validates an image object (create body or one patched attribute) like Glance's jsonschema check. */
  validate(obj: Record<string, unknown>): void {
    for (const [key, value] of Object.entries(obj)) {
      const p = this.properties[key] ?? { type: 'string' };
      const problem = check(key, value, p);
      if (problem) throw badRequest(`Provided object does not match schema 'image': ${problem}`);
    }
  }
}

const MEMBER_PROPERTIES: Record<string, PropSchema> = {
  member_id: str('Project the image is shared with'),
  image_id: str('Identifier of the image', { pattern: UUID_PATTERN }),
  created_at: str('When the membership was created'),
  updated_at: str('When the membership was last changed'),
  status: str('Status of the membership', { enum: ['pending', 'accepted', 'rejected'] }),
  schema: { readOnly: true, type: 'string' },
};

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** The subset of JSON schema the image schema uses: type, enum, maxLength, pattern, items. */
function check(key: string, value: unknown, p: PropSchema): string | undefined {
  const types = Array.isArray(p.type) ? (p.type as string[]) : [p.type as string];
  const t = typeOf(value);
  if (!types.includes(t) && !(t === 'integer' && types.includes('number'))) {
    return `${JSON.stringify(value)} is not of type ${types.map((x) => `'${x}'`).join(', ')} (attribute '${key}')`;
  }
  if (p.enum && !(p.enum as unknown[]).includes(value)) return `${JSON.stringify(value)} is not one of ${JSON.stringify(p.enum)} (attribute '${key}')`;
  if (typeof value === 'string') {
    if (typeof p.maxLength === 'number' && value.length > p.maxLength) return `${JSON.stringify(value)} is too long (attribute '${key}')`;
    if (typeof p.pattern === 'string' && !new RegExp(p.pattern).test(value)) return `${JSON.stringify(value)} does not match '${p.pattern}' (attribute '${key}')`;
  }
  if (Array.isArray(value) && p.items) {
    for (const item of value) {
      const problem = check(key, item, p.items as PropSchema);
      if (problem) return problem;
    }
  }
  if (t === 'integer' && (key === 'min_ram' || key === 'min_disk') && (value as number) < 0) return `${value} is less than the minimum of 0 (attribute '${key}')`;
  return undefined;
}
