import type { ProjectStore } from '../store/projects.js';
import type { RoleStore } from '../store/roles.js';
import type { ProjectRow, RoleRow } from '../store/tables.js';
import type { UserStore } from '../store/users.js';

/**
 * Effective roles: direct and group assignments, assignments inherited from the domain and from
 * parent projects, then the closure over implied roles (admin → manager → member → reader).
 */
export class RoleResolver {
  constructor(
    private readonly roles: RoleStore,
    private readonly users: UserStore,
    private readonly projects: ProjectStore,
  ) {}

  /**
   * Expands role ids over implied roles and returns the role rows, sorted by name. Domain-specific
   * roles only stand for the global roles they imply: like Keystone, they never appear themselves.
   */
  async expand(roleIds: Iterable<string>): Promise<RoleRow[]> {
    const implied = await this.roles.listImplied();
    const out = new Set<string>();
    const queue = [...roleIds];
    while (queue.length) {
      const id = queue.pop()!;
      if (out.has(id)) continue;
      out.add(id);
      for (const r of implied) if (r.prior_role_id === id) queue.push(r.implied_role_id);
    }
    const rows = await Promise.all([...out].map((id) => this.roles.getRole(id)));
    return rows.filter((r): r is RoleRow => !!r && !r.domain_id).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The user and its groups; `extraGroups` are groups a federated token carries (not stored memberships). */
  private async actors(userId: string, extraGroups: string[] = []): Promise<string[]> {
    return [userId, ...new Set([...(await this.users.groupIdsOfUser(userId)), ...extraGroups])];
  }

  async onProject(userId: string, project: ProjectRow, extraGroups: string[] = []): Promise<RoleRow[]> {
    const actors = await this.actors(userId, extraGroups);
    const ancestors = await this.projects.ancestors(project);
    const [direct, fromDomain, fromParents] = await Promise.all([
      this.roles.listAssignments({ types: ['UserProject', 'GroupProject'], actorIds: actors, targetIds: [project.id], inherited: false }),
      this.roles.listAssignments({ types: ['UserDomain', 'GroupDomain'], actorIds: actors, targetIds: [project.domain_id], inherited: true }),
      this.roles.listAssignments({
        types: ['UserProject', 'GroupProject'],
        actorIds: actors,
        targetIds: ancestors.map((a) => a.id),
        inherited: true,
      }),
    ]);
    return this.expand([...direct, ...fromDomain, ...fromParents].map((a) => a.role_id));
  }

  /** The effective roles on a project given by id; none when the project does not exist. */
  async onProjectId(userId: string, projectId: string, extraGroups: string[] = []): Promise<RoleRow[]> {
    const project = await this.projects.getProject(projectId);
    return project ? this.onProject(userId, project, extraGroups) : [];
  }

  async onDomain(userId: string, domainId: string, extraGroups: string[] = []): Promise<RoleRow[]> {
    const actors = await this.actors(userId, extraGroups);
    const rows = await this.roles.listAssignments({
      types: ['UserDomain', 'GroupDomain'],
      actorIds: actors,
      targetIds: [domainId],
      inherited: false,
    });
    return this.expand(rows.map((a) => a.role_id));
  }

  async onSystem(userId: string, extraGroups: string[] = []): Promise<RoleRow[]> {
    const actors = await this.actors(userId, extraGroups);
    const rows = await this.roles.listAssignments({ types: ['UserSystem', 'GroupSystem'], actorIds: actors, targetIds: ['all'] });
    return this.expand(rows.map((a) => a.role_id));
  }

  /** Projects on which the user has any role (for /v3/auth/projects and /v3/users/{id}/projects). */
  async projectsOf(userId: string, extraGroups: string[] = []): Promise<ProjectRow[]> {
    const actors = await this.actors(userId, extraGroups);
    const rows = await this.roles.listAssignments({ types: ['UserProject', 'GroupProject', 'UserDomain', 'GroupDomain'], actorIds: actors });
    const direct = new Set<string>();
    const inheritedDomains = new Set<string>();
    const inheritedParents = new Set<string>();
    for (const a of rows) {
      const isProject = a.type.endsWith('Project');
      if (isProject && !a.inherited) direct.add(a.target_id);
      else if (isProject) inheritedParents.add(a.target_id);
      else if (a.inherited) inheritedDomains.add(a.target_id);
    }
    const all = await this.projects.listProjects();
    const byId = new Map(all.map((p) => [p.id, p]));
    const underInheritingParent = (p: ProjectRow): boolean => {
      let cur = p.parent_id ? byId.get(p.parent_id) : undefined;
      for (let depth = 0; cur && depth < 64; depth++) {
        if (inheritedParents.has(cur.id)) return true;
        cur = cur.parent_id ? byId.get(cur.parent_id) : undefined;
      }
      return false;
    };
    return all.filter((p) => direct.has(p.id) || inheritedDomains.has(p.domain_id) || underInheritingParent(p));
  }

  /** Domains on which the user has a direct (non-inherited) role. */
  async domainIdsOf(userId: string, extraGroups: string[] = []): Promise<string[]> {
    const actors = await this.actors(userId, extraGroups);
    const rows = await this.roles.listAssignments({ types: ['UserDomain', 'GroupDomain'], actorIds: actors, inherited: false });
    return [...new Set(rows.map((a) => a.target_id))];
  }
}
