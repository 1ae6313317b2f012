import { ApiError, badRequest, forbidden } from '../../../platform/errors.js';
import { isObj } from '../../../platform/http/validate.js';

/** One JSON-patch operation of an image PATCH, after Glance's deserializer checks. */
export interface Change {
  op: 'add' | 'remove' | 'replace';
  /** The attribute (Glance allows only one level, `locations` aside). */
  path: string;
  value?: unknown;
}

export const PATCH_MEDIA_TYPES: Record<string, 4 | 10> = {
  'application/openstack-images-v2.0-json-patch': 4,
  'application/openstack-images-v2.1-json-patch': 10,
};

const READ_ONLY = ['created_at', 'updated_at', 'status', 'checksum', 'size', 'virtual_size', 'direct_url', 'self', 'file', 'schema', 'id', 'os_hash_algo', 'os_hash_value', 'stores'];
const RESERVED = ['location', 'deleted', 'deleted_at'];
const RESERVED_NAMESPACE = 'os_glance';

export function checkWritableName(key: string): void {
  if (READ_ONLY.includes(key)) throw forbidden(`Attribute '${key}' is read-only.`);
  if (RESERVED.includes(key) || key.startsWith(RESERVED_NAMESPACE)) throw forbidden(`Attribute '${key}' is reserved.`);
}

const OPS = ['add', 'remove', 'replace'] as const;

function decodePointer(pointer: unknown): string[] {
  if (typeof pointer !== 'string') throw badRequest('Pointer must be a string.');
  if (!pointer.startsWith('/')) throw badRequest(`Pointer \`${pointer}\` does not start with "/".`);
  if (/\/\s*?\//.test(pointer.slice(1))) throw badRequest(`Pointer \`${pointer}\` contains adjacent "/".`);
  if (pointer.length > 1 && pointer.endsWith('/')) throw badRequest(`Pointer \`${pointer}\` end with "/".`);
  if (/~[^01]/.test(pointer) || pointer.endsWith('~')) throw badRequest(`Pointer \`${pointer}\` contains "~" not part of a recognized escape sequence.`);
  return pointer
    .replace(/^\/+/, '')
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~').trim());
}

/** Parses a PATCH body of the given media type version into changes (400/403 as Glance). */
export function parseChanges(body: unknown, version: 4 | 10): Change[] {
  if (!Array.isArray(body)) throw badRequest('Request body must be a JSON array of operation objects.');
  return body.map((raw) => {
    if (!isObj(raw)) throw badRequest('Operations must be JSON objects.');
    let op: Change['op'];
    let pointer: unknown;
    if (version === 10) {
      if (raw.op === undefined) throw badRequest(`Unable to find \`op\` in JSON Schema change. It must be one of the following: ${OPS.join(', ')}.`);
      if (!OPS.includes(raw.op as Change['op'])) throw badRequest(`Invalid operation: \`${String(raw.op)}\`. It must be one of the following: ${OPS.join(', ')}.`);
      op = raw.op as Change['op'];
      if (!('path' in raw)) throw badRequest("Unable to find 'path' in JSON Schema change");
      pointer = raw.path;
    } else {
      const present = OPS.filter((o) => o in raw);
      if (present.length !== 1) throw badRequest('Operation objects must contain exactly one member named "add", "remove", or "replace".');
      op = present[0];
      pointer = raw[op];
    }
    const path = decodePointer(pointer);
    const depth = path[0] === 'locations' ? { add: 2, remove: 2, replace: 1 }[op] : 1;
    if (path.length !== depth) throw badRequest(`Invalid JSON pointer for this resource: '/${path.join('/')}'`);
    checkWritableName(path[0]);
    if (op === 'remove') return { op, path: path[0] };
    if (!('value' in raw)) throw badRequest(`Operation "${op}" requires a member named "value".`);
    return { op, path: path[0], value: raw.value };
  });
}

/** Thrown for changes that conflict with the image's current state. */
export const propertyMissing = (name: string) => new ApiError('conflict', `Property ${name} does not exist.`);
