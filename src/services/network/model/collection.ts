import type { AuthContext } from '../../../platform/auth.js';
import { isoSeconds } from '../../../platform/ids.js';
import type { Obj } from '../../../platform/http/validate.js';
import type { Kind, Res } from '../store/resources.js';
import { nBadRequest } from './errors.js';

/**
 * One Neutron collection as the generic routes see it. Views are the resource dictionaries
 * Neutron returns (all attributes; the API layer applies `fields`, filters, sorting, paging).
 */
export interface Collection {
  kind: Kind;
  /** `network` / `networks` as in URLs, bodies and policy names. */
  singular: string;
  plural: string;
  /** Attributes a list may be filtered by (also `fields=`), beyond the standard ones. */
  attributes: readonly string[];
  /** Attributes list items carry for filtering only, left out of responses (a subnet's `shared`). */
  hidden?: readonly string[];
  list(auth: AuthContext): Promise<Obj[]>;
  show(auth: AuthContext, id: string): Promise<Obj>;
  create(auth: AuthContext, body: Obj): Promise<Obj>;
  /** Absent for resources Neutron does not update (security group rules, default rules). */
  update?(auth: AuthContext, id: string, body: Obj, ifMatch?: number): Promise<Obj>;
  remove(auth: AuthContext, id: string, ifMatch?: number): Promise<void>;
  /** What update and delete policies check, when more than the view (a port's network owner). */
  policyTarget?(auth: AuthContext, id: string): Promise<Obj>;
  /** Checks of a create or update body that need no lookup (unknown or read-only attributes, malformed ids). */
  checkInput?(body: Obj, action: 'create' | 'update'): void;
  /**
   * Set when the get policy, not the model, decides who sees the resource at all (admin-only
   * service profiles): a caller it refuses gets an empty list and 404s, as Neutron answers.
   */
  hideWhenDenied?: boolean;
  /** Tags of a visible resource the caller may change. */
  setTags?(auth: AuthContext, id: string, change: (tags: string[]) => string[], ifMatch?: number): Promise<string[]>;
}

export const STANDARD = ['id', 'name', 'description', 'project_id', 'tenant_id', 'created_at', 'updated_at', 'revision_number', 'tags'] as const;

/** The standard attributes every resource shows (standard-attr-* extensions, project-id). */
export function standard(res: Res<{ name?: string; description?: string; tags?: string[] }>): Obj {
  const out: Obj = {
    id: res.id,
    project_id: res.project_id,
    tenant_id: res.project_id,
    created_at: isoSeconds(res.created_at),
    updated_at: isoSeconds(res.updated_at),
    revision_number: res.revision_number,
  };
  if (res.doc.name !== undefined) out.name = res.doc.name;
  if (res.doc.description !== undefined) out.description = res.doc.description;
  if (res.doc.tags !== undefined) out.tags = [...res.doc.tags].sort();
  return out;
}

/** Validates tags as Neutron (strings of at most 255 characters, no commas). */
export function checkTags(tags: unknown): string[] {
  if (!Array.isArray(tags)) throw nBadRequest('HTTPBadRequest', "Invalid input for tags. Reason: expected a list.");
  for (const t of tags) {
    if (typeof t !== 'string' || t === '' || t.length > 255 || t.includes(',')) throw nBadRequest('InvalidInput', `Invalid input for operation: '${String(t)}' is not a valid tag.`);
  }
  return [...new Set(tags as string[])];
}
