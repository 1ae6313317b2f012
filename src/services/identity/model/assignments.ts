import { fromDbBool } from '../../../platform/db/database.js';
import type { ProjectStore } from '../store/projects.js';
import type { RoleStore } from '../store/roles.js';
import type { AssignmentRow, ProjectRow } from '../store/tables.js';
import type { UserStore } from '../store/users.js';

/** One role assignment as Keystone's assignment manager returns it (before rendering). */
export interface AssignmentEntity {
  roleId: string;
  userId?: string;
  groupId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  /** A stored assignment that is inherited to the projects below its target. */
  inheritedToProjects: boolean;
  /** Where an effective assignment comes from: group membership, inheritance, a prior role. */
  indirect?: { groupId?: string; projectId?: string; domainId?: string; roleId?: string };
}

export interface AssignmentQuery {
  userId?: string;
  groupId?: string;
  roleId?: string;
  projectId?: string;
  domainId?: string;
  system?: boolean;
  /** `scope.OS-INHERIT:inherited_to`: true = only inherited, false = only direct. */
  inherited?: boolean;
  effective: boolean;
  includeSubtree: boolean;
}

function toEntity(a: AssignmentRow): AssignmentEntity {
  const e: AssignmentEntity = { roleId: a.role_id, inheritedToProjects: fromDbBool(a.inherited) };
  if (a.type.startsWith('User')) e.userId = a.actor_id;
  else e.groupId = a.actor_id;
  if (a.type.endsWith('Project')) e.projectId = a.target_id;
  else if (a.type.endsWith('Domain')) e.domainId = a.target_id;
  else e.system = true;
  return e;
}

/**
 * `/v3/role_assignments`: the stored assignments, or with `effective` what they amount to for each
 * user: group assignments become one per member, inherited ones one per project below the target,
 * and every role brings the roles it implies.
 */
export class AssignmentLister {
  constructor(
    private readonly roles: RoleStore,
    private readonly users: UserStore,
    private readonly projects: ProjectStore,
  ) {}

  async list(q: AssignmentQuery): Promise<AssignmentEntity[]> {
    const actorIds = q.userId ? [q.userId, ...(q.effective ? await this.users.groupIdsOfUser(q.userId) : [])] : q.groupId ? [q.groupId] : undefined;
    const rows = (await this.roles.listAssignments({ actorIds })).map(toEntity);
    let entities = rows;
    if (q.effective) {
      const projects = await this.projects.listProjects();
      entities = [];
      for (const e of rows) for (const m of await this.byMembership(e, q.userId)) entities.push(...this.byInheritance(m, projects));
      entities = await this.withoutDomainRoles(await this.byImplication(entities));
    }
    const scope = await this.scopeFilter(q);
    return entities.filter(
      (e) =>
        scope(e) &&
        (q.roleId === undefined || e.roleId === q.roleId) &&
        (q.inherited === undefined || this.isInherited(e) === q.inherited),
    );
  }

  private isInherited(e: AssignmentEntity): boolean {
    return e.inheritedToProjects || !!e.indirect?.domainId || !!e.indirect?.projectId;
  }

  private async byMembership(e: AssignmentEntity, onlyUser?: string): Promise<AssignmentEntity[]> {
    if (!e.groupId) return [e];
    const members = await this.users.userIdsOfGroup(e.groupId);
    return members
      .filter((u) => onlyUser === undefined || u === onlyUser)
      .map((userId) => ({ ...e, groupId: undefined, userId, indirect: { ...e.indirect, groupId: e.groupId } }));
  }

  private byInheritance(e: AssignmentEntity, projects: ProjectRow[]): AssignmentEntity[] {
    if (!e.inheritedToProjects) return [e];
    const below = e.domainId ? projects.filter((p) => p.domain_id === e.domainId) : descendants(projects, e.projectId!);
    const via = e.domainId ? { domainId: e.domainId } : { projectId: e.projectId };
    return below.map((p) => ({
      roleId: e.roleId,
      userId: e.userId,
      projectId: p.id,
      inheritedToProjects: false,
      indirect: { ...e.indirect, ...via },
    }));
  }

  private async byImplication(entities: AssignmentEntity[]): Promise<AssignmentEntity[]> {
    const implied = await this.roles.listImplied();
    const out: AssignmentEntity[] = [];
    for (const e of entities) {
      out.push(e);
      const seen = new Set([e.roleId]);
      const queue = [e.roleId];
      while (queue.length) {
        const prior = queue.shift()!;
        for (const r of implied) {
          if (r.prior_role_id !== prior || seen.has(r.implied_role_id)) continue;
          seen.add(r.implied_role_id);
          queue.push(r.implied_role_id);
          out.push({ ...e, roleId: r.implied_role_id, indirect: { ...e.indirect, roleId: e.roleId } });
        }
      }
    }
    return out;
  }

  /** Effective assignments leave out domain-specific roles (only the roles they imply count). */
  private async withoutDomainRoles(entities: AssignmentEntity[]): Promise<AssignmentEntity[]> {
    const ids = [...new Set(entities.map((e) => e.roleId))];
    const rows = await Promise.all(ids.map((id) => this.roles.getRole(id)));
    const domainRoles = new Set(rows.filter((r) => r?.domain_id).map((r) => r!.id));
    return entities.filter((e) => !domainRoles.has(e.roleId));
  }

  private async scopeFilter(q: AssignmentQuery): Promise<(e: AssignmentEntity) => boolean> {
    if (q.projectId !== undefined) {
      let ids = new Set([q.projectId]);
      if (q.includeSubtree) ids = new Set([q.projectId, ...descendants(await this.projects.listProjects(), q.projectId).map((p) => p.id)]);
      return (e) => e.projectId !== undefined && ids.has(e.projectId);
    }
    if (q.domainId !== undefined) return (e) => e.domainId === q.domainId;
    if (q.system) return (e) => !!e.system;
    return () => true;
  }
}

/** Every project below `rootId` (not the root itself). */
export function descendants(projects: ProjectRow[], rootId: string): ProjectRow[] {
  const out: ProjectRow[] = [];
  let frontier = [rootId];
  for (let depth = 0; frontier.length && depth < 64; depth++) {
    const next = projects.filter((p) => p.parent_id !== null && frontier.includes(p.parent_id));
    out.push(...next);
    frontier = next.map((p) => p.id);
  }
  return out;
}
