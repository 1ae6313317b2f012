import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, notFound } from '../../../platform/errors.js';
import { isObj } from '../../../platform/http/validate.js';
import { nowIso, uuid } from '../../../platform/ids.js';
import type { JobRunner } from '../../../platform/jobs.js';
import type { Logger } from '../../../platform/logging.js';
import { enforce } from '../../../platform/policy.js';
import { imagePolicy } from '../policy.js';
import type { TaskRow } from '../store/tables.js';
import type { TaskListQuery, TaskStore } from '../store/tasks.js';
import type { DataService } from './data.js';
import { isAdmin, type ImageService } from './images.js';
import { openSource, resolveSource, type Source } from './sources.js';

export const TASK_JOB = 'image.task';
/** The types Glance's task schema knows; only `import` is created through the API (the others are Glance-internal). */
export const TASK_TYPES = ['import', 'api_image_import', 'location_import'];
export const TASK_STATUSES = ['pending', 'processing', 'success', 'failure'];
/** Glance's `[task] task_time_to_live`: a finished task is removed 48 hours later. */
const TASK_TTL_MS = 48 * 3600 * 1000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (v: string): boolean => UUID.test(v);

export interface TaskPayload {
  taskId: string;
  /** The creator, whose project owns the image (the context without its token). */
  auth: AuthContext;
}

/** Where a legacy import reads its bytes: an image of this region's image service, a mirror file or the network. */
type TaskSource = { kind: 'image'; imageId: string } | Source;

/**
 * Glance's legacy tasks API (deprecated upstream, kept by clients such as `glance task-create`):
 * an `import` task creates an image from `input.image_properties` and imports the bytes of
 * `input.import_from` in a durable job, `pending` -> `processing` -> `success` (result
 * `{"image_id"}`) or `failure` (message; the half-made image is deleted, as Glance reverts).
 */
export class TaskService {
  constructor(
    private readonly tasks: TaskStore,
    private readonly images: ImageService,
    private readonly data: DataService,
    private readonly jobs: JobRunner,
    private readonly log: Logger,
    /** This region's image endpoint: `<it>/v2/images/{id}/file` is read from the store, not the network. */
    private readonly imageUrl: () => string,
  ) {}

  async create(ctx: AuthContext, body: unknown, requestId: string): Promise<TaskRow> {
    enforce(imagePolicy, 'tasks_api_access', ctx);
    if (!isObj(body)) throw badRequest('Body expected in request.');
    for (const k of ['type', 'input']) if (!(k in body)) throw badRequest(`Task '${k}' is required`);
    const extra = Object.keys(body).filter((k) => k !== 'type' && k !== 'input');
    if (extra.length) throw badRequest(`Provided object does not match schema 'task': Additional properties are not allowed (${extra.map((k) => `'${k}'`).join(', ')} ${extra.length > 1 ? 'were' : 'was'} unexpected)`);
    if (typeof body.type !== 'string' || !TASK_TYPES.includes(body.type)) throw badRequest(`Provided object does not match schema 'task': ${JSON.stringify(body.type)} is not one of ${JSON.stringify(TASK_TYPES)}`);
    if (body.input !== null && !isObj(body.input)) throw badRequest(`Provided object does not match schema 'task': ${JSON.stringify(body.input)} is not of type 'null', 'object'`);
    if (body.type !== 'import') throw badRequest(`Tasks of type ${body.type} are made by image imports, not through the tasks API.`);
    const input = body.input ?? {};
    this.sourceOf(input.import_from);
    const now = nowIso();
    const row: TaskRow = {
      id: uuid(),
      type: body.type,
      status: 'pending',
      input: JSON.stringify(input),
      result: null,
      message: '',
      owner: ctx.projectId ?? '',
      user_id: ctx.userId,
      request_id: requestId,
      target_image_id: uuid(),
      created_at: now,
      updated_at: now,
      expires_at: null,
    };
    await this.tasks.insert(row);
    await this.jobs.enqueue(TASK_JOB, { taskId: row.id, auth: { ...ctx, token: '' } } satisfies TaskPayload);
    return row;
  }

  async get(ctx: AuthContext, id: string): Promise<TaskRow> {
    enforce(imagePolicy, 'tasks_api_access', ctx);
    const row = await this.tasks.get(id);
    if (!row || (!isAdmin(ctx) && row.owner !== ctx.projectId)) throw notFound(`Task with the given ID ${id} was not found`);
    return row;
  }

  /** A page of tasks: admins see every project's, as in Glance. */
  async list(ctx: AuthContext, q: Omit<TaskListQuery, 'owner' | 'marker'> & { marker?: string }): Promise<TaskRow[]> {
    enforce(imagePolicy, 'tasks_api_access', ctx);
    const owner = isAdmin(ctx) ? undefined : (ctx.projectId ?? '');
    const marker = q.marker === undefined ? undefined : await this.tasks.get(q.marker);
    if (q.marker !== undefined && (!marker || (owner !== undefined && marker.owner !== owner))) throw badRequest(`Task with the given ID ${q.marker} was not found`);
    return this.tasks.list({ ...q, owner, marker });
  }

  /** Glance never deletes a task on request: they expire. */
  refuseDelete(ctx: AuthContext): never {
    enforce(imagePolicy, 'tasks_api_access', ctx);
    throw new ApiError('methodNotAllowed', 'This operation is currently not permitted on Glance Tasks. They are auto deleted after reaching the time based on their expires_at property.');
  }

  /** The validation of Glance's `validate_location_uri` and import filtering, then where the bytes come from. */
  private sourceOf(uri: unknown): TaskSource {
    if (typeof uri !== 'string' || uri === '') throw badRequest(`Invalid location: ${uri === undefined ? 'None' : String(uri)}`);
    if (uri.startsWith('file:///') || uri.startsWith('filesystem:///')) throw badRequest('File based imports are not allowed. Please use a non-local source of image data.');
    if (!uri.startsWith('http://') && !uri.startsWith('https://')) throw badRequest("The given uri is not valid. Please specify a valid uri from the following list of supported uri ['http']");
    const own = `${this.imageUrl()}/v2/images/`;
    if (uri.startsWith(own)) {
      const m = /^([^/?#]+)\/file$/.exec(uri.slice(own.length));
      if (m && UUID.test(m[1])) return { kind: 'image', imageId: m[1] };
    }
    return resolveSource(uri, this.images.settings.webDownload);
  }

  private async open(auth: AuthContext, src: TaskSource): Promise<AsyncIterable<Buffer>> {
    if (src.kind !== 'image') return openSource(src);
    const got = await this.data.download(auth, src.imageId);
    if (!got) throw new Error(`Image ${src.imageId} has no data to import.`);
    return got.stream;
  }

  /** The durable job of a task: idempotent (the image id is fixed at create, so a rerun finds its image). */
  async run(p: TaskPayload): Promise<void> {
    const task = await this.tasks.get(p.taskId);
    if (!task || !(await this.tasks.update(task.id, { status: 'processing', updated_at: nowIso() }, ['pending', 'processing']))) return;
    const imageId = task.target_image_id;
    try {
      const input = JSON.parse(task.input) as Record<string, unknown>;
      for (const key of ['import_from', 'import_from_format', 'image_properties']) if (!(key in input)) throw new Error(`Input does not contain '${key}' field`);
      if (!isObj(input.image_properties)) throw new Error("Input field 'image_properties' is not an object");
      const source = this.sourceOf(input.import_from);
      // An empty property set gets Glance's placeholders, so the image can take data.
      const props = Object.keys(input.image_properties).length ? input.image_properties : { disk_format: 'qcow2', container_format: 'bare' };
      const existing = await this.images.store.get(imageId);
      const rec = existing ?? (await this.images.create(p.auth, { ...props, id: imageId }));
      if (rec.row.status !== 'active') await this.data.upload(p.auth, imageId, await this.open(p.auth, source));
      await this.finish(task.id, 'success', '', { image_id: imageId });
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.log.warn({ task: task.id, err: message }, 'image import task failed');
      if (await this.images.store.get(imageId)) await this.data.deleteImage(p.auth, imageId).catch((err) => this.log.warn({ err, image: imageId }, 'deleting the image of a failed task failed'));
      await this.finish(task.id, 'failure', message, null);
    }
  }

  async giveUp(p: TaskPayload, err: Error): Promise<void> {
    await this.finish(p.taskId, 'failure', err.message, null);
  }

  private async finish(id: string, status: 'success' | 'failure', message: string, result: object | null): Promise<void> {
    const now = new Date();
    const expires = new Date(now.getTime() + TASK_TTL_MS).toISOString();
    await this.tasks.update(id, { status, message, result: result ? JSON.stringify(result) : null, updated_at: now.toISOString(), expires_at: expires }, ['pending', 'processing']);
  }

  /** Removes expired tasks (part of the image service's periodic sweep). */
  purgeExpired(): Promise<number> {
    return this.tasks.purgeExpired(nowIso());
  }
}
