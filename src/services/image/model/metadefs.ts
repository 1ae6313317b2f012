import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, conflict, forbidden, notFound } from '../../../platform/errors.js';
import { isObj, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { imagePolicy, projectScoped } from '../policy.js';
import type { ItemKind, MetadefStore } from '../store/metadefs.js';
import type { MetadefItemRow, MetadefNamespaceRow } from '../store/tables.js';

/** The resource types metadata definitions can apply to: the ones this cloud's services have. */
export const RESOURCE_TYPES = ['OS::Glance::Image', 'OS::Cinder::Volume', 'OS::Nova::Flavor', 'OS::Nova::Server', 'OS::Nova::Aggregate'];
const PROPERTY_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string', 'null'];
const KIND_NAME: Record<ItemKind, string> = { object: 'object', property: 'property', tag: 'tag', resource_type: 'resource type association' };

export interface Namespace {
  row: MetadefNamespaceRow;
  items: MetadefItemRow[];
}

const now = () => new Date().toISOString();

function name(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > 80) throw badRequest(`Invalid ${what}: a string of 1 to 80 characters is required.`);
  return v;
}

/**
 * Glance's metadata definitions catalog: namespaces holding objects, properties, tags and the
 * resource types they apply to. Reading follows the namespace's visibility (public, or private to
 * its owner); writing is for admins, as Glance's default policy has it.
 */
export class MetadefService {
  constructor(private readonly store: MetadefStore) {}

  private async visible(auth: AuthContext, ns: string): Promise<MetadefNamespaceRow> {
    const row = await this.store.namespace(ns);
    const admin = auth.roles.includes('admin') && projectScoped(auth, {});
    if (!row || (!admin && row.visibility !== 'public' && row.owner !== auth.projectId)) throw notFound(`Metadata definition namespace=${ns} was not found.`);
    return row;
  }

  private async writable(auth: AuthContext, action: string, ns: string): Promise<MetadefNamespaceRow> {
    const row = await this.visible(auth, ns);
    enforce(imagePolicy, action, auth, { owner: row.owner, project_id: row.owner });
    return row;
  }

  /**
   * The known resource types, then any other name a namespace was associated with: Glance creates
   * a resource type on its first association (here it lasts as long as one association does).
   */
  async resourceTypes(auth: AuthContext): Promise<{ name: string; created_at?: string }[]> {
    enforce(imagePolicy, 'list_metadef_resource_types', auth, {});
    const extra = (await this.store.associatedResourceTypes()).filter((r) => !RESOURCE_TYPES.includes(r.name));
    return [...RESOURCE_TYPES.map((name) => ({ name })), ...extra];
  }

  async list(auth: AuthContext, f: { visibility?: string; resourceTypes?: string[] }): Promise<Namespace[]> {
    enforce(imagePolicy, 'get_metadef_namespaces', auth, {});
    const admin = auth.roles.includes('admin') && projectScoped(auth, {});
    const out: Namespace[] = [];
    for (const row of await this.store.namespaces()) {
      if (!admin && row.visibility !== 'public' && row.owner !== auth.projectId) continue;
      if (f.visibility && row.visibility !== f.visibility) continue;
      const items = await this.store.items(row.namespace);
      if (f.resourceTypes && !items.some((i) => i.kind === 'resource_type' && f.resourceTypes!.includes(i.name))) continue;
      out.push({ row, items });
    }
    return out;
  }

  async get(auth: AuthContext, ns: string): Promise<Namespace> {
    enforce(imagePolicy, 'get_metadef_namespace', auth, {});
    const row = await this.visible(auth, ns);
    return { row, items: await this.store.items(row.namespace) };
  }

  async create(auth: AuthContext, b: Obj): Promise<Namespace> {
    enforce(imagePolicy, 'add_metadef_namespace', auth, { owner: auth.projectId ?? '', project_id: auth.projectId ?? '' });
    const ns = name(b.namespace, 'namespace');
    if (await this.store.namespace(ns)) throw conflict(`Metadata definition namespace=${ns} already exists.`);
    const at = now();
    const row: MetadefNamespaceRow = { namespace: ns, owner: typeof b.owner === 'string' ? b.owner : (auth.projectId ?? ''), created_at: at, updated_at: at, ...this.namespaceFields(b, { display_name: null, description: null, visibility: 'private', protected: 0 }) };
    const items: MetadefItemRow[] = [];
    const add = (kind: ItemKind, n: string, body: Obj) => items.push({ namespace: ns, kind, name: n, body: JSON.stringify(body), created_at: at, updated_at: at });
    for (const o of Array.isArray(b.objects) ? b.objects : []) add('object', name(isObj(o) ? o.name : undefined, 'object name'), this.objectBody(o));
    for (const [n, p] of Object.entries(isObj(b.properties) ? b.properties : {})) add('property', n, this.propertyBody({ ...(isObj(p) ? p : {}), name: n }));
    for (const t of Array.isArray(b.tags) ? b.tags : []) add('tag', name(isObj(t) ? t.name : undefined, 'tag name'), {});
    for (const a of Array.isArray(b.resource_type_associations) ? b.resource_type_associations : []) add('resource_type', this.resourceType(a), this.associationBody(a));
    await this.store.insertNamespace(row, items);
    return { row, items };
  }

  async update(auth: AuthContext, ns: string, b: Obj): Promise<Namespace> {
    const row = await this.writable(auth, 'modify_metadef_namespace', ns);
    const next = { ...row, ...this.namespaceFields(b, row), updated_at: now() };
    if (typeof b.namespace === 'string' && b.namespace !== ns) {
      next.namespace = name(b.namespace, 'namespace');
      if (await this.store.namespace(next.namespace)) throw conflict(`Metadata definition namespace=${next.namespace} already exists.`);
    }
    await this.store.updateNamespace(ns, next);
    return { row: next, items: await this.store.items(next.namespace) };
  }

  async remove(auth: AuthContext, ns: string): Promise<void> {
    const row = await this.writable(auth, 'delete_metadef_namespace', ns);
    if (row.protected) throw forbidden(`Namespace ${ns} is protected and cannot be deleted.`);
    await this.store.deleteNamespace(ns);
  }

  async items(auth: AuthContext, ns: string, kind: ItemKind): Promise<MetadefItemRow[]> {
    enforce(imagePolicy, 'get_metadef_namespace', auth, {});
    return this.store.items((await this.visible(auth, ns)).namespace, kind);
  }

  async item(auth: AuthContext, ns: string, kind: ItemKind, n: string): Promise<MetadefItemRow> {
    enforce(imagePolicy, 'get_metadef_namespace', auth, {});
    const found = await this.store.item((await this.visible(auth, ns)).namespace, kind, n);
    if (!found) throw notFound(`Metadata definition ${KIND_NAME[kind]} not found for namespace=${ns} and name=${n}.`);
    return found;
  }

  /** Adds items of one kind; `replace` drops that kind's existing items first (Glance's bulk tag create). */
  async addItems(auth: AuthContext, ns: string, kind: ItemKind, bodies: Obj[], replace = false): Promise<MetadefItemRow[]> {
    await this.writable(auth, `add_metadef_${kind}`, ns);
    const at = now();
    const rows = bodies.map((b) => ({ namespace: ns, kind, name: this.itemName(kind, b), body: JSON.stringify(this.itemBody(kind, b)), created_at: at, updated_at: at }));
    if (new Set(rows.map((r) => r.name)).size !== rows.length) throw conflict(`Duplicate ${KIND_NAME[kind]} names in the request.`);
    if (replace) await this.store.deleteItems(ns, kind);
    for (const r of rows) if (await this.store.item(ns, kind, r.name)) throw conflict(`A metadata definition ${KIND_NAME[kind]} with name=${r.name} already exists in namespace=${ns}.`);
    await this.store.insertItems(rows);
    return rows;
  }

  async updateItem(auth: AuthContext, ns: string, kind: ItemKind, n: string, b: Obj): Promise<MetadefItemRow> {
    await this.writable(auth, `modify_metadef_${kind}`, ns);
    const old = await this.item(auth, ns, kind, n);
    const next = { name: this.itemName(kind, b), body: JSON.stringify(this.itemBody(kind, b)), updated_at: now() };
    if (next.name !== n && (await this.store.item(ns, kind, next.name))) throw conflict(`A metadata definition ${KIND_NAME[kind]} with name=${next.name} already exists in namespace=${ns}.`);
    await this.store.updateItem(ns, kind, n, next);
    return { ...old, ...next };
  }

  async removeItems(auth: AuthContext, ns: string, kind: ItemKind, n?: string): Promise<void> {
    await this.writable(auth, kind === 'resource_type' ? 'remove_metadef_resource_type_association' : `delete_metadef_${kind}`, ns);
    if ((await this.store.deleteItems(ns, kind, n)) === 0 && n !== undefined) throw notFound(`Metadata definition ${KIND_NAME[kind]} not found for namespace=${ns} and name=${n}.`);
  }

  private namespaceFields(b: Obj, base: Pick<MetadefNamespaceRow, 'display_name' | 'description' | 'visibility' | 'protected'>) {
    const str = (k: string, dflt: string | null) => (b[k] === undefined ? dflt : typeof b[k] === 'string' || b[k] === null ? (b[k] as string | null) : bad(k));
    const bad = (k: string): never => {
      throw badRequest(`Invalid value for ${k}: ${JSON.stringify(b[k])}`);
    };
    const visibility = str('visibility', base.visibility) ?? base.visibility;
    if (!['public', 'private'].includes(visibility)) bad('visibility');
    if (b.protected !== undefined && typeof b.protected !== 'boolean') bad('protected');
    return { display_name: str('display_name', base.display_name), description: str('description', base.description), visibility, protected: b.protected === undefined ? base.protected : b.protected ? 1 : 0 };
  }

  private itemName(kind: ItemKind, b: Obj): string {
    return kind === 'resource_type' ? this.resourceType(b) : name(b.name, `${KIND_NAME[kind]} name`);
  }

  private itemBody(kind: ItemKind, b: Obj): Obj {
    if (kind === 'object') return this.objectBody(b);
    if (kind === 'property') return this.propertyBody(b);
    if (kind === 'resource_type') return this.associationBody(b);
    return {};
  }

  private objectBody(o: unknown): Obj {
    if (!isObj(o)) throw badRequest('An object must be a JSON object.');
    const { name: _n, created_at: _c, updated_at: _u, self: _s, schema: _sc, ...rest } = o;
    if (rest.properties !== undefined && !isObj(rest.properties)) throw badRequest('The properties of an object must be a JSON object.');
    if (rest.required !== undefined && !Array.isArray(rest.required)) throw badRequest('The required list of an object must be an array.');
    return rest;
  }

  private propertyBody(p: Obj): Obj {
    const { name: _n, ...rest } = p;
    if (typeof rest.title !== 'string') throw badRequest("Invalid property: 'title' is a required property.");
    if (typeof rest.type !== 'string' || !PROPERTY_TYPES.includes(rest.type)) throw badRequest(`Invalid property: 'type' must be one of ${PROPERTY_TYPES.join(', ')}.`);
    if (rest.enum !== undefined && !Array.isArray(rest.enum)) throw badRequest("Invalid property: 'enum' must be an array.");
    return rest;
  }

  private resourceType(a: unknown): string {
    const n = isObj(a) ? a.name : undefined;
    if (typeof n !== 'string') throw badRequest("Invalid resource type association: 'name' is a required property.");
    if (n.length === 0 || n.length > 80) throw badRequest('Invalid resource type association: a name of 1 to 80 characters is required.');
    return n;
  }

  private associationBody(a: unknown): Obj {
    const o = isObj(a) ? a : {};
    return { ...(typeof o.prefix === 'string' ? { prefix: o.prefix } : {}), ...(typeof o.properties_target === 'string' ? { properties_target: o.properties_target } : {}) };
  }
}
