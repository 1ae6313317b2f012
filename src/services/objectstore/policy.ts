import { anyOf, projectMember, projectReader, type PolicyTable } from '../../platform/policy.js';

/**
 * Who in the owning project may do what with its buckets (targets carry the bucket's
 * `project_id`). Access across projects comes only from bucket policies and ACLs (model/access.ts).
 */
export const objectstorePolicy: PolicyTable = {
  /** Reads: GET/HEAD of objects, listings, reading bucket configuration. */
  'objectstore:read': anyOf(projectReader, projectMember),
  /** Writes: PUT/DELETE of objects, multipart uploads. */
  'objectstore:write': projectMember,
  /** Creating buckets and changing their configuration (ACL, policy, versioning, lifecycle, ...). */
  'objectstore:manage': projectMember,
};
