import type { AuthContext } from '../../../platform/auth.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../../platform/errors.js';
import { isObj, type Obj } from '../../../platform/http/validate.js';
import { nowIso, uuid } from '../../../platform/ids.js';
import { enforce, type Target } from '../../../platform/policy.js';
import { imagePolicy, projectScoped } from '../policy.js';
import type { ImageRecord, ImageStore } from '../store/images.js';
import { listImages, type ListQuery } from '../store/list.js';
import type { ImageRow } from '../store/tables.js';
import { checkWritableName, propertyMissing, type Change } from './patch.js';
import type { ImageSchemas } from './schema.js';
import type { ImageSettings } from './settings.js';

/** Attributes that are columns (Glance's "base" attributes); every other key is a free-form property. */
const CORE = ['name', 'visibility', 'protected', 'os_hidden', 'min_disk', 'min_ram', 'disk_format', 'container_format', 'owner', 'tags'] as const;
type Core = (typeof CORE)[number];
const isCore = (k: string): k is Core => (CORE as readonly string[]).includes(k);
const DISALLOWED_ON_CREATE = ['direct_url', 'self', 'file', 'schema', 'stores', 'locations'];
const MAX_INT = 2 ** 31 - 1;

/** A project-scoped admin: Glance ignores system scope, so a system admin is no admin here. */
export const isAdmin = (ctx: AuthContext): boolean => ctx.roles.includes('admin') && projectScoped(ctx, {});

/**
 * The rules of images: who sees what (owner, public, community, shared with members), the status
 * machine, JSON-patch semantics and the limits Glance enforces. Bytes live in data.ts.
 */
export class ImageService {
  constructor(
    readonly store: ImageStore,
    readonly schemas: ImageSchemas,
    readonly settings: ImageSettings,
  ) {}

  /** The policy target of an image for the caller: owner, visibility and membership. */
  async target(ctx: AuthContext, row: ImageRow): Promise<Target> {
    const t: Target = { owner: row.owner, visibility: row.visibility, project_id: row.owner };
    if (row.visibility === 'shared' && ctx.projectId && row.owner !== ctx.projectId) {
      if (await this.store.getMember(row.id, ctx.projectId)) t.member_id = ctx.projectId;
    }
    return t;
  }

  async canSee(ctx: AuthContext, row: ImageRow): Promise<boolean> {
    if (!projectScoped(ctx, {})) return false;
    if (isAdmin(ctx) || (ctx.projectId && row.owner === ctx.projectId)) return true;
    if (row.visibility === 'public' || row.visibility === 'community') return true;
    return row.visibility === 'shared' && !!ctx.projectId && !!(await this.store.getMember(row.id, ctx.projectId));
  }

  /** The image if the caller may see it; another project's private image is a 404. */
  async find(ctx: AuthContext, id: string): Promise<ImageRecord> {
    const rec = await this.store.get(id);
    if (!rec || !(await this.canSee(ctx, rec.row))) throw notFound(`No image found with ID ${id}`);
    enforce(imagePolicy, 'get_image', ctx, await this.target(ctx, rec.row));
    return rec;
  }

  /** A visible image the caller may act on with `action` (403 when visible but not allowed). */
  async findFor(ctx: AuthContext, id: string, action: string): Promise<ImageRecord> {
    const rec = await this.find(ctx, id);
    enforce(imagePolicy, action, ctx, await this.target(ctx, rec.row));
    return rec;
  }

  async create(ctx: AuthContext, body: unknown): Promise<ImageRecord> {
    if (!isObj(body)) throw badRequest('Body expected in request.');
    for (const k of DISALLOWED_ON_CREATE) if (k in body) throw forbidden(`Attribute '${k}' is read-only.`);
    this.schemas.validate(body);
    for (const k of Object.keys(body)) {
      if (k === 'id') continue;
      checkWritableName(k);
      if (k.length > 255) throw badRequest('Custom property should not be greater than 255 characters.');
    }
    const owner = body.owner === undefined ? (ctx.projectId ?? null) : (body.owner as string | null);
    enforce(imagePolicy, 'add_image', ctx, { owner, project_id: owner });
    if (owner !== (ctx.projectId ?? null) && !isAdmin(ctx)) throw forbidden(`You are not permitted to create images owned by '${owner}'.`);
    const visibility = (body.visibility as string | undefined) ?? 'shared';
    this.checkVisibility(ctx, visibility, owner);
    const now = nowIso();
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(body)) if (!isCore(k) && k !== 'id') properties[k] = v as string;
    const rec: ImageRecord = {
      row: {
        id: (body.id as string | undefined) ?? uuid(),
        name: (body.name as string | null | undefined) ?? null,
        status: 'queued',
        visibility,
        owner,
        protected: body.protected ? 1 : 0,
        os_hidden: body.os_hidden ? 1 : 0,
        disk_format: (body.disk_format as string | null | undefined) ?? null,
        container_format: (body.container_format as string | null | undefined) ?? null,
        min_disk: this.intAttr(body, 'min_disk'),
        min_ram: this.intAttr(body, 'min_ram'),
        size: null,
        virtual_size: null,
        checksum: null,
        os_hash_algo: null,
        os_hash_value: null,
        data_file: null,
        data_key: null,
        staged: null,
        import_task: null,
        upload_token: null,
        lease_until: null,
        created_at: now,
        updated_at: now,
      },
      properties,
      tags: [...new Set((body.tags as string[] | undefined) ?? [])],
    };
    this.checkLimits(rec);
    try {
      await this.store.insert(rec);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Image with identifier ${rec.row.id} already exists!`);
      throw e;
    }
    return rec;
  }

  private intAttr(o: Obj, key: string): number {
    const v = o[key];
    if (v === undefined) return 0;
    if (typeof v !== 'number' || v < 0 || v > MAX_INT) throw badRequest(`Invalid value for ${key}: it must be an integer between 0 and ${MAX_INT}.`);
    return v;
  }

  private checkVisibility(ctx: AuthContext, visibility: string, owner: string | null): void {
    if (visibility === 'public') enforce(imagePolicy, 'publicize_image', ctx, { owner, project_id: owner });
    if (visibility === 'community') enforce(imagePolicy, 'communitize_image', ctx, { owner, project_id: owner });
  }

  private checkLimits(rec: ImageRecord): void {
    if (rec.tags.length > this.settings.maxTags) throw new ApiError('payloadTooLarge', `Maximum number of tags exceeded: ${this.settings.maxTags}`);
    if (Object.keys(rec.properties).length > this.settings.maxProperties) {
      throw new ApiError('payloadTooLarge', `Maximum number of image properties exceeded: ${this.settings.maxProperties}`);
    }
  }

  /** Applies JSON-patch changes with Glance's rules, then saves with a compare-and-set. */
  async update(ctx: AuthContext, id: string, changes: Change[]): Promise<ImageRecord> {
    const rec = await this.findFor(ctx, id, 'modify_image');
    if (changes.length === 0) return rec;
    const before = rec.row.updated_at;
    const next: ImageRecord = { row: { ...rec.row }, properties: { ...rec.properties }, tags: [...rec.tags] };
    for (const c of changes) this.apply(ctx, next, c);
    this.checkLimits(next);
    next.row.updated_at = nowIso();
    if (next.row.updated_at === before) next.row.updated_at = new Date(Date.parse(before) + 1).toISOString();
    if (!(await this.store.save(next, before))) throw conflict(`Image ${id} was changed by another request; retry.`);
    return next;
  }

  private apply(ctx: AuthContext, rec: ImageRecord, c: Change): void {
    const key = c.path;
    if (key === 'locations') throw forbidden("It's not allowed to update locations if locations are invisible.");
    if (c.op !== 'remove') this.schemas.validate({ [key]: c.value });
    if (c.op === 'remove') {
      if (isCore(key)) throw forbidden(`Property ${key} may not be removed.`);
      if (!(key in rec.properties)) throw propertyMissing(key);
      delete rec.properties[key];
      return;
    }
    if (!isCore(key)) {
      if (c.op === 'replace' && !(key in rec.properties)) throw propertyMissing(key);
      rec.properties[key] = c.value as string;
      return;
    }
    const row = rec.row;
    switch (key) {
      case 'owner':
        if (!isAdmin(ctx)) throw forbidden("Owner can't be updated by non admin.");
        row.owner = c.value as string | null;
        break;
      case 'visibility':
        this.checkVisibility(ctx, c.value as string, row.owner);
        row.visibility = c.value as string;
        break;
      case 'disk_format':
      case 'container_format':
        if (row.status !== 'queued' && row[key] !== c.value) throw forbidden(`Attribute ${key} can be only replaced for a queued image.`);
        row[key] = c.value as string | null;
        break;
      case 'protected':
      case 'os_hidden':
        row[key] = c.value ? 1 : 0;
        break;
      case 'min_disk':
      case 'min_ram':
        row[key] = this.intAttr({ [key]: c.value }, key);
        break;
      case 'tags':
        rec.tags = [...new Set(c.value as string[])];
        break;
      case 'name':
        row.name = c.value as string | null;
        break;
    }
  }

  async delete(ctx: AuthContext, id: string): Promise<ImageRow> {
    const rec = await this.findFor(ctx, id, 'delete_image');
    if (rec.row.protected) throw forbidden(`Image ${id} is protected and cannot be deleted.`);
    const row = await this.store.delete(id);
    if (!row) throw notFound(`Failed to find image ${id} to delete`);
    return row;
  }

  async list(ctx: AuthContext, q: Omit<ListQuery, 'admin' | 'project' | 'marker'>, marker?: string): Promise<ImageRecord[]> {
    enforce(imagePolicy, 'get_images', ctx, { project_id: ctx.projectId, owner: ctx.projectId });
    let markerRow: ImageRow | undefined;
    if (marker !== undefined) {
      const m = await this.store.get(marker);
      if (!m || !(await this.canSee(ctx, m.row))) throw badRequest(`Invalid marker. Image ${marker} could not be found.`);
      markerRow = m.row;
    }
    const rows = await listImages(this.store.db, { ...q, admin: isAdmin(ctx), project: ctx.projectId, marker: markerRow });
    return this.store.withDetails(rows);
  }

  async addTag(ctx: AuthContext, id: string, tag: string): Promise<void> {
    const rec = await this.findFor(ctx, id, 'modify_image');
    if (tag.length > 255) throw badRequest(`Provided object does not match schema 'image': '${tag}' is too long (attribute 'tags')`);
    if (!rec.tags.includes(tag) && rec.tags.length >= this.settings.maxTags) {
      throw new ApiError('payloadTooLarge', `Maximum number of tags exceeded: ${this.settings.maxTags}`);
    }
    await this.store.addTag(id, tag);
    await this.store.update(id, { updated_at: nowIso() });
  }

  async removeTag(ctx: AuthContext, id: string, tag: string): Promise<void> {
    await this.findFor(ctx, id, 'modify_image');
    if (!(await this.store.removeTag(id, tag))) throw notFound(`Tag ${tag} not found`);
    await this.store.update(id, { updated_at: nowIso() });
  }

  /** deactivate (active -> deactivated) and reactivate (back); repeating either is a no-op. */
  async setActive(ctx: AuthContext, id: string, active: boolean): Promise<void> {
    const action = active ? 'reactivate' : 'deactivate';
    const rec = await this.findFor(ctx, id, action);
    const from = active ? 'deactivated' : 'active';
    const to = active ? 'active' : 'deactivated';
    if (rec.row.status === to) return;
    if (rec.row.status !== from) throw forbidden(`Not allowed to ${action} image in status '${rec.row.status}'`);
    if (!(await this.store.update(id, { status: to, updated_at: nowIso() }, { status: from }))) throw conflict(`Image ${id} changed status meanwhile; retry.`);
  }
}
