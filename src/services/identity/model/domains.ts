import { forbidden } from '../../../platform/errors.js';
import { fromDbBool } from '../../../platform/db/database.js';
import type { ProjectStore } from '../store/projects.js';
import type { RoleStore } from '../store/roles.js';
import type { DomainRow } from '../store/tables.js';
import type { UserStore } from '../store/users.js';
import type { DomainConfigs } from './domain-config.js';
import type { RevocationList } from './revocations.js';

/**
 * Deletes a disabled domain with everything it owns, as Keystone does: its projects (leaves
 * first), users, groups, domain-specific roles and the grants on all of them, its configuration;
 * every token of the domain is revoked.
 */
export async function deleteDomainCascade(
  d: { projects: ProjectStore; users: UserStore; roles: RoleStore; revocations: RevocationList; domainConfigs: DomainConfigs },
  dom: DomainRow,
): Promise<void> {
  if (fromDbBool(dom.enabled)) throw forbidden('Cannot delete a domain that is enabled, please disable it first.');
  for (let left = await d.projects.listProjects({ domainId: dom.id }); left.length; ) {
    const parents = new Set(left.map((p) => p.parent_id));
    const leaves = left.filter((p) => !parents.has(p.id));
    if (!leaves.length) break;
    for (const p of leaves) {
      await d.roles.removeAssignmentsOfTarget(p.id);
      await d.projects.deleteProject(p.id);
    }
    left = left.filter((p) => parents.has(p.id));
  }
  for (const u of await d.users.listUsers({ domainId: dom.id })) await d.users.deleteUser(u.id);
  for (const g of await d.users.listGroups({ domainId: dom.id })) await d.users.deleteGroup(g.id);
  for (const r of await d.roles.listRoles({ domainId: dom.id })) await d.roles.deleteRole(r.id);
  await d.roles.removeAssignmentsOfTarget(dom.id);
  await d.domainConfigs.deleteAll(dom.id);
  await d.projects.deleteDomain(dom.id);
  await d.revocations.revoke({ domain_id: dom.id });
}
