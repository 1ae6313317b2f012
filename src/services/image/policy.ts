import { admin, allOf, anyOf, ownProject, role, type Check, type PolicyTable } from '../../platform/policy.js';

/**
 * Glance's default policies (secure RBAC defaults): targets carry `owner` (the image's project),
 * `visibility`, and `member_id` when the caller's project is a member of the image. Every rule has
 * Glance's scope_types ['project']: a system- or domain-scoped token, even an admin's, may do
 * nothing here (the cloud's own bootstrap acts with neither scope).
 */
export const projectScoped: Check = (ctx) => !ctx.system && ctx.domainId === undefined;
const own = ownProject('owner');
const imageMember: Check = (ctx, t) => ctx.projectId !== undefined && t.member_id === ctx.projectId;
const openVisibility: Check = (_ctx, t) => ['public', 'community', 'shared'].includes(String(t.visibility));
const projectMember = allOf(role('member'), own);
const adminOrProjectMember = anyOf(admin, projectMember);

const rules: PolicyTable = {
  add_image: adminOrProjectMember,
  get_image: anyOf(admin, allOf(role('reader'), anyOf(own, imageMember, openVisibility))),
  get_images: anyOf(admin, role('reader')),
  modify_image: adminOrProjectMember,
  publicize_image: admin,
  communitize_image: adminOrProjectMember,
  delete_image: adminOrProjectMember,
  upload_image: adminOrProjectMember,
  download_image: anyOf(admin, allOf(role('member'), anyOf(own, imageMember, openVisibility))),
  add_member: adminOrProjectMember,
  delete_member: adminOrProjectMember,
  get_member: anyOf(admin, allOf(role('reader'), anyOf(own, imageMember))),
  get_members: anyOf(admin, allOf(role('reader'), anyOf(own, imageMember))),
  modify_member: anyOf(admin, allOf(role('member'), imageMember)),
  deactivate: adminOrProjectMember,
  reactivate: adminOrProjectMember,
  // Glance's blanket rule of the legacy tasks API.
  tasks_api_access: admin,
  // Metadata definitions: anyone with a role reads (visibility is checked by the model), admins write.
  get_metadef_namespace: anyOf(admin, role('reader')),
  get_metadef_namespaces: anyOf(admin, role('reader')),
  list_metadef_resource_types: anyOf(admin, role('reader')),
  add_metadef_namespace: admin,
  modify_metadef_namespace: admin,
  delete_metadef_namespace: admin,
  add_metadef_object: admin,
  modify_metadef_object: admin,
  delete_metadef_object: admin,
  add_metadef_property: admin,
  modify_metadef_property: admin,
  delete_metadef_property: admin,
  add_metadef_tag: admin,
  modify_metadef_tag: admin,
  delete_metadef_tag: admin,
  add_metadef_resource_type: admin,
  modify_metadef_resource_type: admin,
  remove_metadef_resource_type_association: admin,
};

export const imagePolicy: PolicyTable = Object.fromEntries(Object.entries(rules).map(([action, check]) => [action, allOf(projectScoped, check)]));
