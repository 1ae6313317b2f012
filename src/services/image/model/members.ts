import type { AuthContext } from '../../../platform/auth.js';
import { isUniqueViolation } from '../../../platform/db/database.js';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../../platform/errors.js';
import { nowIso } from '../../../platform/ids.js';
import { enforce } from '../../../platform/policy.js';
import { imagePolicy } from '../policy.js';
import type { ImageRecord } from '../store/images.js';
import type { MemberRow } from '../store/tables.js';
import { isAdmin, type ImageService } from './images.js';

export const MEMBER_STATUSES = ['pending', 'accepted', 'rejected'];

/**
 * Image members: the owner shares a `shared` image with other projects, each member accepts or
 * rejects it (accepted images appear in the member's default list).
 */
export class MemberService {
  constructor(private readonly images: ImageService) {}

  private get store() {
    return this.images.store;
  }

  private async sharedImage(ctx: AuthContext, imageId: string, action: string): Promise<ImageRecord> {
    const rec = await this.images.find(ctx, imageId);
    if (rec.row.visibility !== 'shared') throw forbidden('Only shared images have members.');
    enforce(imagePolicy, action, ctx, await this.images.target(ctx, rec.row));
    return rec;
  }

  private isOwner(ctx: AuthContext, rec: ImageRecord): boolean {
    return isAdmin(ctx) || (ctx.projectId !== undefined && rec.row.owner === ctx.projectId);
  }

  async list(ctx: AuthContext, imageId: string): Promise<MemberRow[]> {
    const rec = await this.sharedImage(ctx, imageId, 'get_members');
    const all = await this.store.listMembers(imageId);
    // A member sees its own membership only.
    return this.isOwner(ctx, rec) ? all : all.filter((m) => m.member_id === ctx.projectId);
  }

  async get(ctx: AuthContext, imageId: string, memberId: string): Promise<MemberRow> {
    const missing = notFound(`${memberId} not found in the member list of the image ${imageId}.`);
    let rec: ImageRecord;
    try {
      rec = await this.sharedImage(ctx, imageId, 'get_member');
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) throw notFound(e.message);
      throw e;
    }
    if (!this.isOwner(ctx, rec) && memberId !== ctx.projectId) throw missing;
    const m = await this.store.getMember(imageId, memberId);
    if (!m) throw missing;
    return m;
  }

  async add(ctx: AuthContext, imageId: string, memberId: string): Promise<MemberRow> {
    try {
      await this.sharedImage(ctx, imageId, 'add_member');
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) throw forbidden(`Not allowed to create members for image ${imageId}.`);
      throw e;
    }
    if ((await this.store.listMembers(imageId)).length >= this.images.settings.maxMembers) {
      throw new ApiError('payloadTooLarge', `Image member limit exceeded for image ${imageId}: ${this.images.settings.maxMembers}`);
    }
    const now = nowIso();
    const m: MemberRow = { image_id: imageId, member_id: memberId, status: 'pending', created_at: now, updated_at: now };
    try {
      await this.store.addMember(m);
    } catch (e) {
      if (isUniqueViolation(e)) throw conflict(`Member ${memberId} is duplicated for image ${imageId}`);
      throw e;
    }
    return m;
  }

  async update(ctx: AuthContext, imageId: string, memberId: string, status: unknown): Promise<MemberRow> {
    const rec = await this.images.find(ctx, imageId);
    if (rec.row.visibility !== 'shared') throw forbidden(`Not allowed to update members for image ${imageId}.`);
    const m = await this.store.getMember(imageId, memberId);
    if (!m || (!this.isOwner(ctx, rec) && memberId !== ctx.projectId)) throw notFound(`${memberId} not found in the member list of the image ${imageId}.`);
    enforce(imagePolicy, 'modify_member', ctx, { owner: rec.row.owner, project_id: rec.row.owner, member_id: memberId });
    if (typeof status !== 'string' || !MEMBER_STATUSES.includes(status)) {
      throw badRequest(`Incorrect request: Status must be one of ${MEMBER_STATUSES.join(', ')}`);
    }
    const now = nowIso();
    await this.store.updateMember(imageId, memberId, status, now);
    return { ...m, status, updated_at: now };
  }

  async remove(ctx: AuthContext, imageId: string, memberId: string): Promise<void> {
    try {
      await this.sharedImage(ctx, imageId, 'delete_member');
    } catch (e) {
      if (e instanceof ApiError && e.status === 403) throw forbidden(`Not allowed to delete members for image ${imageId}.`);
      throw e;
    }
    if (!(await this.store.getMember(imageId, memberId))) throw notFound(`${memberId} not found in the member list of the image ${imageId}.`);
    await this.store.deleteMember(imageId, memberId);
  }
}
