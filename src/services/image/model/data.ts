import type { Readable } from 'node:stream';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, conflict, forbidden } from '../../../platform/errors.js';
import { isObj } from '../../../platform/http/validate.js';
import { nowIso, uuid } from '../../../platform/ids.js';
import type { JobRunner } from '../../../platform/jobs.js';
import type { Logger } from '../../../platform/logging.js';
import type { ImageRecord } from '../store/images.js';
import type { ImageRow } from '../store/tables.js';
import { transferToken, WriteLimitError, type LocalImageStore, type StoredData } from '../stores/local.js';
import { copiedProperties, parseRemoteImage, unreachable, type RemoteImage } from './glance-download.js';
import { isAdmin, type ImageService } from './images.js';
import { openSource, resolveSource, type Source } from './sources.js';
import { importMethods } from './settings.js';

export const STORE_ID = 'local';
export const IMPORT_JOB = 'image.import';

export interface ImportPayload {
  imageId: string;
  token: string;
  method: 'glance-direct' | 'web-download' | 'glance-download';
  source?: Source;
  /** glance-download: the source image, read as the importing user (the context without its token). */
  remote?: RemoteImage;
  auth?: AuthContext;
}

/** The last import of an image, shown by `GET /v2/images/{id}/tasks` like a Glance task. */
export interface ImportTask {
  id: string;
  type: 'api_image_import';
  status: 'processing' | 'success' | 'failure';
  message: string;
  input: unknown;
  owner: string | null;
  user_id: string;
  request_id: string;
  created_at: string;
  updated_at: string;
}

/** Reads the virtual disk size from the first bytes of an image (raw: its size; qcow2: its header). */
function virtualSize(format: string | null, head: Buffer, size: number): number | null {
  if (format === 'raw' || format === 'iso') return size;
  if (format === 'qcow2' && head.length >= 32 && head.readUInt32BE(0) === 0x514649fb) return Number(head.readBigUInt64BE(24));
  return null;
}

/** Passes a stream through, keeping its first bytes for format inspection. */
async function* keepHead(source: AsyncIterable<Buffer>, head: { buf: Buffer }): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    if (head.buf.length < 512) head.buf = Buffer.concat([head.buf, chunk.subarray(0, 512 - head.buf.length)]);
    yield chunk;
  }
}

/**
 * Image bytes: upload, download, glance-direct staging and the import job. Every transfer holds
 * a token and a lease on the image row; the row switches to active with its size and checksums in
 * one compare-and-set, so an image is active with all its bytes or not at all.
 */
export class DataService {
  constructor(
    private readonly images: ImageService,
    private readonly bytes: LocalImageStore,
    private readonly jobs: JobRunner,
    private readonly log: Logger,
    /** The region this process serves (glance-download finds its sources here). */
    private readonly region: string,
  ) {}

  private get store() {
    return this.images.store;
  }
  private get settings() {
    return this.images.settings;
  }
  private lease(): string {
    return new Date(Date.now() + this.settings.transferLeaseSeconds * 1000).toISOString();
  }

  /** Keeps the lease of a running transfer alive; returns the function that stops it. */
  private heartbeat(id: string, token: string): () => void {
    const timer = setInterval(
      () => void this.store.update(id, { lease_until: this.lease() }, { upload_token: token }).catch(() => undefined),
      (this.settings.transferLeaseSeconds * 1000) / 3,
    );
    timer.unref();
    return () => clearInterval(timer);
  }

  private async quotaLeft(row: ImageRow): Promise<number> {
    let left = this.settings.maxImageSize;
    if (this.settings.quotaBytesPerProject > 0 && row.owner) {
      left = Math.min(left, this.settings.quotaBytesPerProject - (await this.store.usedBytes(row.owner)));
    }
    return Math.max(0, left);
  }

  /** Writes a transfer's bytes under its lease; on any failure the image returns to `queued`. */
  private async receive(row: ImageRow, token: string, from: string, source: AsyncIterable<Buffer>, expectedSize?: number) {
    const stop = this.heartbeat(row.id, token);
    const head = { buf: Buffer.alloc(0) };
    try {
      const maxBytes = await this.quotaLeft(row);
      const data = await this.bytes.write(row.id, token, keepHead(source, head), { maxBytes, expectedSize });
      return { data, virtual: virtualSize(row.disk_format, head.buf, data.size) };
    } catch (e) {
      await this.store.update(row.id, { status: 'queued', upload_token: null, lease_until: null, updated_at: nowIso() }, { status: from, upload_token: token });
      if (e instanceof WriteLimitError) {
        throw e.reason === 'quota'
          ? new ApiError('payloadTooLarge', `Denying attempt to upload image because it exceeds the quota: ${e.message}`)
          : badRequest(e.message);
      }
      const code = (e as { code?: string }).code;
      if (code === 'ENOSPC') throw new ApiError('payloadTooLarge', 'Image storage media is full.');
      // The client went away mid-body: nothing to answer, but it is not a server fault.
      if (code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE' || (e as Error).message === 'aborted') {
        throw badRequest('The image data ended before it was complete.');
      }
      throw e;
    } finally {
      stop();
    }
  }

  /** Switches a transfer's image to active with its bytes; false (and the file removed) when the image was deleted or reset meanwhile. */
  private async activate(id: string, token: string, from: string, data: StoredData, virtual: number | null, extra: Partial<ImageRow> = {}): Promise<boolean> {
    const ok = await this.store.update(
      id,
      {
        status: 'active',
        size: data.size,
        virtual_size: virtual,
        checksum: data.md5,
        os_hash_algo: 'sha512',
        os_hash_value: data.sha512,
        data_file: data.file,
        data_key: data.key,
        upload_token: null,
        lease_until: null,
        updated_at: nowIso(),
        ...extra,
      },
      { status: from, upload_token: token },
    );
    if (!ok) await this.bytes.remove(data.file);
    return ok;
  }

  private checkFormats(row: ImageRow): void {
    if (!row.disk_format || !row.container_format) throw badRequest('Properties disk_format, container_format must be set prior to saving data.');
  }

  private async claim(row: ImageRow, from: string, to: string): Promise<string> {
    const token = transferToken();
    const ok = await this.store.update(row.id, { status: to, upload_token: token, lease_until: this.lease(), updated_at: nowIso() }, { status: from, upload_token: null });
    if (!ok) throw conflict(`Image status transition from ${row.status} to ${to} is not allowed`);
    return token;
  }

  /** `PUT /v2/images/{id}/file`: queued -> saving -> active, or back to queued. */
  async upload(ctx: AuthContext, id: string, source: AsyncIterable<Buffer>, expectedSize?: number): Promise<ImageRecord> {
    const { row } = await this.images.findFor(ctx, id, 'upload_image');
    this.checkFormats(row);
    if (row.status !== 'queued') throw conflict(`Image status transition from ${row.status} to saving is not allowed`);
    const token = await this.claim(row, 'queued', 'saving');
    const { data, virtual } = await this.receive(row, token, 'saving', source, expectedSize);
    if (!(await this.activate(id, token, 'saving', data, virtual))) {
      throw new ApiError('gone', `Image ${id} could not be found after upload. The image may have been deleted during the upload.`);
    }
    return (await this.store.get(id))!;
  }

  /** Deletes an image and its files (the row first: a file left by a crash is swept later). */
  async deleteImage(ctx: AuthContext, id: string): Promise<void> {
    const row = await this.images.delete(ctx, id);
    await this.bytes.remove(row.data_file);
    if (row.staged) await this.bytes.remove((JSON.parse(row.staged) as StoredData).file);
  }

  /** The bytes of an image; undefined when it has none yet (Glance answers 204). */
  async download(ctx: AuthContext, id: string, range?: { start: number; end?: number }): Promise<{ rec: ImageRecord; stream: Readable; start: number; end: number } | undefined> {
    const rec = await this.images.findFor(ctx, id, 'download_image');
    const row = rec.row;
    if (row.status === 'deactivated' && !isAdmin(ctx)) throw forbidden('The requested image has been deactivated. Image data download is prohibited.');
    if (!row.data_file || row.size === null) return undefined;
    const start = range?.start ?? 0;
    const end = Math.min(range?.end ?? row.size - 1, row.size - 1);
    if (range && (start > end || start >= row.size)) throw new ApiError('rangeNotSatisfiable', `Requested range ${start}-${range.end ?? ''} not satisfiable for an image of ${row.size} bytes.`);
    const stream = this.bytes.read(id, { file: row.data_file, key: row.data_key, size: row.size }, range ? { start, end } : undefined);
    return { rec, stream, start, end };
  }

  /** `PUT /v2/images/{id}/stage`: queued -> uploading, bytes kept aside until the import. */
  async stage(ctx: AuthContext, id: string, source: AsyncIterable<Buffer>, expectedSize?: number): Promise<void> {
    const { row } = await this.images.findFor(ctx, id, 'upload_image');
    if (!importMethods(this.settings).includes('glance-direct')) throw new ApiError('notFound', 'glance-direct is not enabled.');
    if (row.status !== 'queued') throw conflict(`Image status transition from ${row.status} to uploading is not allowed`);
    const token = await this.claim(row, 'queued', 'uploading');
    const { data, virtual } = await this.receive(row, token, 'uploading', source, expectedSize);
    const ok = await this.store.update(id, { staged: JSON.stringify({ ...data, virtual }), upload_token: null, lease_until: null, updated_at: nowIso() }, { status: 'uploading', upload_token: token });
    if (!ok) {
      await this.bytes.remove(data.file);
      throw new ApiError('gone', `Image ${id} could not be found after staging.`);
    }
  }

  /** `POST /v2/images/{id}/import`: validates the request, marks the image importing, enqueues the job. */
  async startImport(ctx: AuthContext, id: string, body: unknown, requestId: string): Promise<void> {
    const rec = await this.images.findFor(ctx, id, 'modify_image');
    const row = rec.row;
    if (!isObj(body) || !isObj(body.method) || typeof body.method.name !== 'string') throw badRequest("Import request requires a 'method' object with a 'name'.");
    const method = body.method.name;
    if (!importMethods(this.settings).includes(method)) throw badRequest(`Import method ${method} is not supported at this site.`);
    const stores = body.stores;
    if (stores !== undefined && (!Array.isArray(stores) || stores.some((s) => s !== STORE_ID))) throw new ApiError('conflict', `Unknown store(s) ${JSON.stringify(stores)}: this site has the store '${STORE_ID}'.`);
    this.checkFormats(row);
    let payload: ImportPayload;
    if (method === 'glance-direct') {
      if (row.status !== 'uploading' || !row.staged) throw conflict("Image needs to be staged before 'glance-direct' method can be used");
      payload = { imageId: id, token: '', method };
    } else if (method === 'glance-download') {
      if (row.status !== 'queued') throw conflict(`Image status transition from ${row.status} to importing is not allowed`);
      payload = { imageId: id, token: '', method, remote: parseRemoteImage(body.method), auth: { ...ctx, token: '' } };
    } else {
      if (row.status !== 'queued') throw conflict(`Image status transition from ${row.status} to importing is not allowed`);
      const uri = isObj(body.method) ? body.method.uri : undefined;
      if (typeof uri !== 'string' || uri === '') throw badRequest('URI is required for web-download import method. Please specify \'method.uri\'.');
      payload = { imageId: id, token: '', method: 'web-download', source: resolveSource(uri, this.settings.webDownload) };
    }
    const token = transferToken();
    const now = nowIso();
    const task: ImportTask = {
      id: uuid(),
      type: 'api_image_import',
      status: 'processing',
      message: '',
      input: { image_id: id, import_req: body },
      owner: row.owner,
      user_id: ctx.userId,
      request_id: requestId,
      created_at: now,
      updated_at: now,
    };
    // No lease yet: the durable job takes one when it starts.
    const ok = await this.store.update(id, { status: 'importing', upload_token: token, lease_until: null, import_task: JSON.stringify(task), updated_at: now }, { status: row.status, upload_token: null });
    if (!ok) throw conflict(`Image ${id} changed status meanwhile; retry.`);
    await this.store.setProperty(id, 'os_glance_importing_to_stores', STORE_ID);
    await this.store.setProperty(id, 'os_glance_failed_import', '');
    await this.jobs.enqueue(IMPORT_JOB, { ...payload, token });
  }

  /** The import job: idempotent; a second runner of the same import leaves it to the first. */
  async runImport(p: ImportPayload): Promise<void> {
    const claimed = await this.store.db
      .updateTable('img_images')
      .set({ lease_until: this.lease() })
      .where('id', '=', p.imageId)
      .where('status', '=', 'importing')
      .where('upload_token', '=', p.token)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', nowIso())]))
      .executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) return;
    const rec = await this.store.get(p.imageId);
    if (!rec) return;
    try {
      if (p.method === 'glance-direct') {
        const { virtual, ...data } = JSON.parse(rec.row.staged!) as StoredData & { virtual: number | null };
        const ok = await this.activate(p.imageId, p.token, 'importing', data, virtual, { staged: null });
        if (ok) await this.finishImport(p.imageId, 'success', '');
        return;
      }
      if (p.method === 'glance-download') {
        await this.runGlanceDownload(rec.row, p);
        return;
      }
      const { data, virtual } = await this.receive(rec.row, p.token, 'importing', await openSource(p.source!));
      if (await this.activate(p.imageId, p.token, 'importing', data, virtual)) await this.finishImport(p.imageId, 'success', '');
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.log.warn({ image: p.imageId, err: msg }, 'image import failed');
      await this.store.update(p.imageId, { status: 'queued', upload_token: null, lease_until: null, updated_at: nowIso() }, { upload_token: p.token });
      await this.finishImport(p.imageId, 'failure', msg);
    }
  }

  /** glance-download: the source's bytes, then its formats and copied properties, then active. */
  private async runGlanceDownload(row: ImageRow, p: ImportPayload): Promise<void> {
    const remote = p.remote!;
    const why = unreachable(remote, this.region);
    if (why) throw new Error(why);
    const src = await this.images.findFor(p.auth!, remote.imageId, 'download_image');
    if (src.row.status !== 'active' || !src.row.data_file || src.row.size === null) throw new Error(`Image ${remote.imageId} has no data to download (status ${src.row.status}).`);
    const stream = this.bytes.read(src.row.id, { file: src.row.data_file, key: src.row.data_key, size: src.row.size });
    const { data } = await this.receive(row, p.token, 'importing', stream);
    for (const [k, v] of Object.entries(copiedProperties(src.properties))) await this.store.setProperty(row.id, k, v);
    const formats = { disk_format: src.row.disk_format, container_format: src.row.container_format };
    if (await this.activate(row.id, p.token, 'importing', data, src.row.virtual_size, formats)) await this.finishImport(row.id, 'success', '');
  }

  private async finishImport(id: string, status: 'success' | 'failure', message: string): Promise<void> {
    const rec = await this.store.get(id);
    if (!rec) return;
    const task = rec.row.import_task ? (JSON.parse(rec.row.import_task) as ImportTask) : undefined;
    await this.store.setProperty(id, 'os_glance_importing_to_stores', '');
    await this.store.setProperty(id, 'os_glance_failed_import', status === 'failure' ? STORE_ID : '');
    // The task's status last: once it is final, so are the properties.
    if (task) await this.store.update(id, { import_task: JSON.stringify({ ...task, status, message, updated_at: nowIso() }) });
  }

  /**
   * The reconcile step: transfers whose lease ran out (their process died) go back to queued,
   * and files no image references are deleted. Runs at start and periodically.
   */
  async sweep(): Promise<void> {
    for (const row of await this.store.expiredTransfers(nowIso())) {
      const reset = await this.store.update(row.id, { status: 'queued', upload_token: null, lease_until: null, updated_at: nowIso() }, { status: row.status, upload_token: row.upload_token });
      if (reset && row.status === 'importing') await this.finishImport(row.id, 'failure', 'The import was interrupted (its process stopped); import again.');
      if (reset) this.log.warn({ image: row.id, status: row.status }, 'interrupted transfer reset to queued');
    }
    const referenced = await this.store.referencedFiles();
    const removed = await this.bytes.sweep(referenced, await this.store.liveTokens(), this.settings.transferLeaseSeconds * 1000);
    if (removed.length) this.log.info({ files: removed }, 'removed unreferenced image files');
  }
}
