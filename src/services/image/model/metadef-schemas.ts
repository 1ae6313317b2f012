/** JSON schemas of the metadata definitions API (`/v2/schemas/metadefs/{name}`), as this service validates them. */

type Schema = Record<string, unknown>;

const str = (description: string, extra: Schema = {}): Schema => ({ type: 'string', description, ...extra });
const stamp: Schema = { created_at: str('Date and time of creation (read-only).', { format: 'date-time' }), updated_at: str('Date and time of the last change (read-only).', { format: 'date-time' }) };

const propertyFields: Schema = {
  name: str('Name of the property.', { maxLength: 80 }),
  title: str('Human-readable title.'),
  description: str('What the property means.'),
  type: { type: 'string', enum: ['array', 'boolean', 'integer', 'number', 'object', 'string', null] },
  enum: { type: 'array' },
  default: {},
  readonly: { type: 'boolean' },
  operators: { type: 'array', items: { type: 'string' } },
  minimum: { type: 'number' },
  maximum: { type: 'number' },
  minLength: { type: 'integer', minimum: 0 },
  maxLength: { type: 'integer', minimum: 0 },
  pattern: { type: 'string', format: 'regex' },
  items: { type: 'object' },
};

const property: Schema = { name: 'property', type: 'object', required: ['name', 'title', 'type'], additionalProperties: false, properties: propertyFields };
const object: Schema = {
  name: 'object',
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: str('Name of the object.', { maxLength: 80 }),
    description: str('What the object describes.'),
    required: { type: 'array', items: { type: 'string' } },
    properties: { type: 'object', additionalProperties: { type: 'object', properties: propertyFields } },
    schema: { type: 'string', readOnly: true },
    self: { type: 'string', readOnly: true },
    ...stamp,
  },
};
const tag: Schema = { name: 'tag', type: 'object', required: ['name'], additionalProperties: false, properties: { name: str('Name of the tag.', { maxLength: 255 }), ...stamp } };
const association: Schema = {
  name: 'resource_type_association',
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: str('Resource type, e.g. OS::Glance::Image.', { maxLength: 80 }),
    prefix: str('Prefix the properties get on a resource of this type.', { maxLength: 80 }),
    properties_target: str('Where on the resource the properties go (e.g. image for volume image metadata).', { maxLength: 80 }),
    ...stamp,
  },
};
const namespace: Schema = {
  name: 'namespace',
  type: 'object',
  required: ['namespace'],
  additionalProperties: false,
  properties: {
    namespace: str('Unique name of the namespace.', { maxLength: 80 }),
    display_name: str('Human-readable name.', { maxLength: 80 }),
    description: str('What the namespace is for.', { maxLength: 500 }),
    visibility: { type: 'string', enum: ['public', 'private'], description: 'Who may read the namespace.' },
    protected: { type: 'boolean', description: 'A protected namespace cannot be deleted.' },
    owner: str('Project that owns the namespace.', { maxLength: 255 }),
    resource_type_associations: { type: 'array', items: association },
    properties: { type: 'object', additionalProperties: property },
    objects: { type: 'array', items: object },
    tags: { type: 'array', items: tag },
    schema: { type: 'string', readOnly: true },
    self: { type: 'string', readOnly: true },
    ...stamp,
  },
};

const collection = (name: string, key: string, item: Schema, links = true): Schema => ({
  name,
  type: 'object',
  properties: {
    [key]: { type: 'array', items: item },
    ...(links ? { first: { type: 'string' }, next: { type: 'string' }, schema: { type: 'string' } } : {}),
  },
  ...(links ? { links: [{ rel: 'first', href: '{first}' }, { rel: 'next', href: '{next}' }, { rel: 'describedby', href: '{schema}' }] } : {}),
});

export const METADEF_SCHEMAS: Record<string, Schema> = {
  namespace,
  namespaces: collection('namespaces', 'namespaces', namespace),
  object,
  objects: collection('objects', 'objects', object),
  property,
  properties: { name: 'properties', type: 'object', properties: { properties: { type: 'object', additionalProperties: property } } },
  tag,
  tags: collection('tags', 'tags', tag, false),
  resource_type: association,
  resource_types: collection('resource_type_associations', 'resource_type_associations', association, false),
};
