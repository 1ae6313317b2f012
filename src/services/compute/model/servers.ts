import { randomBytes } from 'node:crypto';
import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest, conflict, forbidden, notFound } from '../../../platform/errors.js';
import { uuid } from '../../../platform/ids.js';
import type { NetworkRequest } from '../../network/client.js';
import type { ServerQuery } from '../store/servers.js';
import type { ServerRow, VolumeAttachmentRow } from '../store/tables.js';
import type { ComputeModel } from './context.js';
import type { Flavor } from './flavors.js';
import { guestOf } from './guest.js';
import { BUILD_JOB, POWER, statesForStatus } from './states.js';
import { parseBlockDevices } from './volumes.js';

export interface CreateInput {
  name: string;
  imageRef: string;
  flavorRef: string;
  keyName?: string;
  userData?: string;
  metadata: Record<string, string>;
  tags: string[];
  availabilityZone?: string;
  minCount: number;
  maxCount: number;
  adminPass?: string;
  networks: NetworkRequest;
  /** `networks` was omitted (before 2.37): the project's network if it has one, else none. */
  networksIfAvailable?: boolean;
  securityGroups: string[];
  blockDevices: Array<Record<string, unknown>>;
  accessIPv4: string;
  accessIPv6: string;
  description: string | null;
  configDrive: boolean;
  diskConfig: string;
  groupId?: string;
  /** Scheduler hints `same_host` and `different_host` (server ids). */
  sameHost?: string[];
  differentHost?: string[];
  hostname?: string;
  /** Files to inject (`personality`, before 2.57), contents base64. */
  personality?: InjectedFile[];
}

export interface InjectedFile {
  path: string;
  contents: string;
}

/** A server with what is rendered besides its row. */
export interface ServerView {
  row: ServerRow;
  tags: string[];
  addresses: Record<string, unknown[]>;
  volumes: VolumeAttachmentRow[];
  /** Nova's host_status: UP, DOWN (down or forced down), MAINTENANCE (disabled), '' without a host. */
  hostStatus: string;
  /** Names of the security groups on the server's ports, when looked up. */
  securityGroups?: string[];
}

export interface ListFilters extends Omit<ServerQuery, 'vmStates' | 'taskStates'> {
  status?: string;
  nameRegex?: string;
  ip?: string;
  ip6?: string;
  limit: number;
  marker?: string;
}

/** A generated admin password, shown once in the create or rebuild response. */
export const newAdminPass = () => randomBytes(9).toString('base64url').slice(0, 12);

const hostnameOf = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 63) || 'server';

/** Servers: creation (validated against flavor, image, keypair, quotas), listing, show, update, delete. */
export class ServerService {
  constructor(private readonly m: ComputeModel) {}

  /** A server of the caller's project (admins: any); another project's is not found. `withDeleted`: deleted ones too. */
  async find(auth: AuthContext, id: string, withDeleted = false): Promise<ServerRow> {
    const row = await (withDeleted ? this.m.servers.getAny(id) : this.m.servers.get(id));
    if (!row || (!auth.roles.includes('admin') && row.project_id !== auth.projectId)) throw notFound(`Instance ${id} could not be found.`);
    return row;
  }

  async views(rows: ServerRow[]): Promise<ServerView[]> {
    const ids = rows.map((r) => r.id);
    const network = this.m.peers().network;
    const [tags, addresses, volumes, hosts] = await Promise.all([
      this.m.servers.tags(ids),
      network && ids.length ? network.serverAddresses(ids) : Promise.resolve(new Map()),
      this.m.volumes.attachments(ids),
      this.m.hostState.all(),
    ]);
    const status = new Map(hosts.map((h) => [h.host, h.down || h.forced_down ? 'DOWN' : h.disabled ? 'MAINTENANCE' : 'UP']));
    return rows.map((row) => ({
      row,
      tags: tags.get(row.id) ?? [],
      addresses: (addresses.get(row.id) as Record<string, unknown[]> | undefined) ?? {},
      volumes: volumes.get(row.id) ?? [],
      hostStatus: row.host ? (status.get(row.host) ?? 'UNKNOWN') : '',
    }));
  }

  /**
   * One server, with the security groups its ports really have (lists show the requested ones). A
   * building server shows the requested ones too, as Nova does until the compute host has bound its
   * ports (OSC's functional test reads the ids it sent right after the create).
   */
  async view(auth: AuthContext, id: string): Promise<ServerView> {
    const [v] = await this.views([await this.find(auth, id)]);
    const network = this.m.peers().network;
    if (network && v.row.vm_state !== 'building') v.securityGroups = [...new Set((await network.serverSecurityGroups(auth, id)).map((g) => g.name))];
    return v;
  }

  private async resolveImage(auth: AuthContext, imageRef: string, flavor: Flavor) {
    const images = this.m.peers().image;
    if (!images) throw badRequest('Can not find requested image: this cloud runs without an image service.');
    const image = await images.getImage(auth, imageRef);
    if (!image) throw badRequest('Can not find requested image');
    if (image.status !== 'active') throw badRequest(`Image ${imageRef} is not active.`);
    if (image.min_ram > flavor.ram) throw badRequest("Flavor's memory is too small for requested image.");
    if (flavor.disk > 0) {
      if (image.min_disk > flavor.disk) throw badRequest("Flavor's disk is too small for requested image.");
      if ((image.size ?? 0) > flavor.disk * 1024 ** 3) {
        throw badRequest(`Flavor's disk is too small for requested image. Flavor disk is ${flavor.disk * 1024 ** 3} bytes, image is ${image.size} bytes.`);
      }
    } else if (!auth.roles.includes('admin')) {
      throw forbidden('Only volume-backed servers are allowed for flavors with zero disk.');
    }
    return image;
  }

  async create(auth: AuthContext, input: CreateInput, requestId: string): Promise<{ ids: string[]; reservationId: string; adminPass: string }> {
    const projectId = auth.projectId;
    if (!projectId) throw forbidden('A project-scoped token is required to create servers.');
    const flavor = await this.m.flavors.find(auth, input.flavorRef).catch(() => {
      throw badRequest(`Flavor ${input.flavorRef} could not be found.`);
    });
    const devices = parseBlockDevices(input.blockDevices);
    const bootVolume = devices.some((d) => d.bootIndex === 0);
    if (!bootVolume && !input.imageRef) throw badRequest('Block Device Mapping is Invalid: Boot sequence for the instance and image/block device mapping combination is not valid.');
    await this.m.volumes.validate(auth, devices, !!input.imageRef);
    const image = bootVolume ? undefined : await this.resolveImage(auth, input.imageRef, flavor);
    let keyData: string | null = null;
    if (input.keyName) {
      keyData = (await this.m.keypairs.get(auth.userId, input.keyName).catch(() => {
        throw badRequest('Invalid key_name provided.');
      })).public_key;
    }
    const zones = new Set((await this.m.driver.hosts()).map((h) => h.zone));
    let zone = input.availabilityZone ?? null;
    let forcedHost: string | undefined;
    if (zone?.includes(':')) {
      // `zone:host` (the API allowed it by policy) forces the host.
      [zone, forcedHost] = zone.split(':', 2) as [string, string];
      zone ||= null;
    }
    if (zone && !zones.has(zone)) throw badRequest('The requested availability zone is not available');
    const group = input.groupId
      ? await this.m.groups.find(auth, input.groupId).catch(() => {
          throw badRequest(`Invalid input for field/attribute group. Value: ${input.groupId}. Instance group ${input.groupId} could not be found.`);
        })
      : undefined;
    const network = this.m.peers().network;
    if (network && input.securityGroups.length) {
      // Nova checks the groups with the network service before accepting the request.
      const known = await network.securityGroups(auth).list();
      const missing = input.securityGroups.find((g) => !known.some((k) => k.id === g || k.name === g));
      if (missing) throw badRequest(`Security group ${missing} not found for project ${projectId}.`);
    }
    if (network && input.networks === 'auto') await network.checkAutoNetwork(auth);
    if (typeof input.networks !== 'string' && !network) {
      throw badRequest("This cloud runs without a network service: 'networks' may only be 'auto' or 'none'.");
    }
    if (input.userData !== undefined && Buffer.from(input.userData, 'base64').length > this.m.settings.userDataMaxBytes) {
      throw badRequest(`User data too large. User data must be no larger than ${this.m.settings.userDataMaxBytes} bytes once base64 encoded.`);
    }
    await this.checkInjectedFiles(projectId, input.personality ?? []);
    const metaLimit = await this.m.quotas.limit(projectId, 'metadata_items');
    if (metaLimit >= 0 && Object.keys(input.metadata).length > metaLimit) throw new ApiError('overQuota', 'Quota exceeded for metadata_items: Requested ' + Object.keys(input.metadata).length + `, but already used 0 of ${metaLimit} metadata_items`);

    const count = await this.fitQuota(projectId, flavor, input.minCount, input.maxCount);
    if (group) await this.m.groups.checkMembers(group, count);
    const reservationId = `r-${randomBytes(4).toString('hex')}`;
    const adminPass = input.adminPass ?? newAdminPass();
    const now = new Date().toISOString();
    const rows: ServerRow[] = [];
    for (let i = 0; i < count; i++) {
      const name = count > 1 ? `${input.name}-${i + 1}` : input.name;
      rows.push({
        id: uuid(),
        project_id: projectId,
        user_id: auth.userId,
        name,
        hostname: input.hostname ?? hostnameOf(name),
        description: input.description,
        image_id: image?.id ?? null,
        flavor_id: flavor.id,
        vcpus: flavor.vcpus,
        memory_mb: flavor.ram,
        root_gb: flavor.disk,
        flavor: JSON.stringify(flavor),
        old_flavor: null,
        key_name: input.keyName ?? null,
        key_data: keyData,
        user_data: input.userData ?? null,
        personality: input.personality?.length ? JSON.stringify(input.personality) : null,
        metadata: JSON.stringify(input.metadata),
        vm_state: 'building',
        task_state: 'scheduling',
        power_state: POWER.NOSTATE,
        host: null,
        availability_zone: zone,
        requested_az: zone,
        access_ipv4: input.accessIPv4,
        access_ipv6: input.accessIPv6,
        config_drive: input.configDrive ? 'True' : '',
        disk_config: input.diskConfig,
        locked: 0,
        locked_by: null,
        locked_reason: null,
        launched_at: null,
        terminated_at: null,
        reservation_id: reservationId,
        launch_index: i,
        server_group_id: group?.row.id ?? null,
        fault: null,
        request: JSON.stringify({ networks: input.networks, networksIfAvailable: input.networksIfAvailable, securityGroups: input.securityGroups, forcedHost, blockDevices: devices, sameHost: input.sameHost, differentHost: input.differentHost }),
        deleted: 0,
        created_at: now,
        updated_at: now,
      });
    }
    await this.m.servers.insert(rows, Object.fromEntries(rows.map((r) => [r.id, input.tags])));
    for (const r of rows) {
      await this.m.servers.insertAction({
        id: uuid(),
        server_id: r.id,
        project_id: projectId,
        user_id: auth.userId,
        action: 'create',
        request_id: requestId,
        message: null,
        start_time: now,
        updated_at: now,
        events: '[]',
      });
      await this.m.jobs.enqueue(BUILD_JOB, { serverId: r.id, requestId });
    }
    return { ids: rows.map((r) => r.id), reservationId, adminPass };
  }

  /** How many of min..max servers fit the quotas (Nova boots as many as fit, at least min). */
  /** Nova's injected file limits (quota resources, checked at create and rebuild): 403 when over. */
  async checkInjectedFiles(projectId: string, files: InjectedFile[]): Promise<void> {
    if (!files.length) return;
    const limits = await this.m.quotas.limits(projectId);
    const within = (limit: number, n: number) => limit < 0 || n <= limit;
    if (!within(limits.injected_files, files.length)) throw forbidden('Personality file limit exceeded');
    const maxPath = Math.max(...files.map((f) => Buffer.byteLength(f.path)));
    if (!within(limits.injected_file_path_bytes, maxPath)) throw forbidden(`Personality file path exceeds maximum ${limits.injected_file_path_bytes}`);
    const maxContent = Math.max(...files.map((f) => Buffer.from(f.contents, 'base64').length));
    if (!within(limits.injected_file_content_bytes, maxContent)) throw forbidden(`Personality file content exceeds maximum ${limits.injected_file_content_bytes}`);
  }

  private async fitQuota(projectId: string, flavor: Flavor, min: number, max: number): Promise<number> {
    const [limits, used] = await Promise.all([this.m.quotas.limits(projectId), this.m.quotas.usage(projectId)]);
    const room = (r: string, per: number) => (limits[r] < 0 || per === 0 ? Infinity : Math.floor((limits[r] - used[r]) / per));
    const fit = Math.min(max, room('instances', 1), room('cores', flavor.vcpus), room('ram', flavor.ram));
    if (fit >= min) return fit;
    await this.m.quotas.check(projectId, { instances: min, cores: min * flavor.vcpus, ram: min * flavor.ram });
    return min;
  }

  async list(f: ListFilters): Promise<{ views: ServerView[]; more: boolean }> {
    const q: ServerQuery = { ...f };
    if (f.status) {
      const s = statesForStatus(f.status);
      if (!s.vmStates.length) return { views: [], more: false };
      q.vmStates = s.vmStates;
      q.taskStates = s.taskStates;
      if (s.vmStates.includes('deleted')) q.withDeleted = true;
    }
    if (f.changesSince) q.withDeleted = true;
    let keys = await this.m.servers.listKeys(q);
    if (f.nameRegex !== undefined) {
      let re: RegExp;
      try {
        re = new RegExp(f.nameRegex);
      } catch {
        throw badRequest(`Invalid name filter: ${f.nameRegex}`);
      }
      keys = keys.filter((k) => re.test(k.name));
    }
    if (f.ip || f.ip6) keys = await this.filterByIp(keys, f.ip, f.ip6);
    let start = 0;
    if (f.marker) {
      start = keys.findIndex((k) => k.id === f.marker) + 1;
      if (start === 0) throw badRequest(`marker [${f.marker}] not found`);
    }
    const page = keys.slice(start, start + f.limit);
    const rows = await this.m.servers.getMany(page.map((k) => k.id));
    return { views: await this.views(rows), more: start + f.limit < keys.length };
  }

  private async filterByIp<T extends { id: string }>(keys: T[], ip?: string, ip6?: string): Promise<T[]> {
    const network = this.m.peers().network;
    if (!network) return [];
    const addresses = await network.serverAddresses(keys.map((k) => k.id));
    const res = [ip, ip6].filter((x): x is string => !!x).map((x) => {
      try {
        return new RegExp(x);
      } catch {
        throw badRequest(`Invalid ip filter: ${x}`);
      }
    });
    return keys.filter((k) => {
      const all = Object.values(addresses.get(k.id) ?? {}).flat();
      return res.every((re) => all.some((a) => re.test(a.addr)));
    });
  }

  async update(auth: AuthContext, id: string, patch: { name?: string; description?: string | null; accessIPv4?: string; accessIPv6?: string; hostname?: string; diskConfig?: string }): Promise<ServerView> {
    await this.find(auth, id);
    await this.m.servers.update(id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.accessIPv4 !== undefined ? { access_ipv4: patch.accessIPv4 } : {}),
      ...(patch.accessIPv6 !== undefined ? { access_ipv6: patch.accessIPv6 } : {}),
      ...(patch.hostname !== undefined ? { hostname: patch.hostname } : {}),
      ...(patch.diskConfig !== undefined ? { disk_config: patch.diskConfig } : {}),
    });
    return this.view(auth, id);
  }

  /** Deletes a server at once: guest, ports and allocations go, the row stays as deleted (changes-since). */
  async remove(auth: AuthContext, id: string, requestId: string): Promise<void> {
    const row = await this.find(auth, id);
    this.checkLock(auth, row);
    if (row.task_state === 'deleting') return;
    if (!(await this.m.servers.update(id, { task_state: 'deleting' }, { vmStates: [row.vm_state], taskStates: [row.task_state] }))) throw conflict(`Cannot 'delete' instance ${id} while it is in task_state ${row.task_state}`);
    await this.recordAction(auth, row, 'delete', requestId);
    await this.teardown(row);
  }

  /** Releases everything a server holds and marks it deleted; idempotent. */
  async teardown(row: ServerRow): Promise<void> {
    if (row.host) await this.m.driver.destroy(guestOf(row, row.host));
    await this.m.peers().network?.releaseServerPorts(row.id);
    await this.m.volumes.releaseAll(row);
    await this.m.peers().placement.release(row.id);
    const now = new Date().toISOString();
    await this.m.servers.update(row.id, { vm_state: 'deleted', task_state: null, power_state: POWER.NOSTATE, deleted: 1, terminated_at: now, updated_at: now });
  }

  checkLock(auth: AuthContext, row: ServerRow): void {
    if (row.locked && !auth.roles.includes('admin')) throw conflict(`Instance ${row.id} is locked`);
  }

  async recordAction(auth: AuthContext, row: ServerRow, action: string, requestId: string, message: string | null = null): Promise<string> {
    const id = uuid();
    const now = new Date().toISOString();
    await this.m.servers.insertAction({ id, server_id: row.id, project_id: row.project_id, user_id: auth.userId, action, request_id: requestId, message, start_time: now, updated_at: now, events: '[]' });
    return id;
  }

  async setMetadata(auth: AuthContext, id: string, items: Record<string, string>, replace: boolean): Promise<Record<string, string>> {
    const row = await this.find(auth, id);
    this.checkLock(auth, row);
    const next = replace ? { ...items } : { ...(JSON.parse(row.metadata) as Record<string, string>), ...items };
    const limit = await this.m.quotas.limit(row.project_id, 'metadata_items');
    if (limit >= 0 && Object.keys(next).length > limit) throw new ApiError('overQuota', `Quota exceeded for metadata_items: Requested ${Object.keys(next).length}, but already used 0 of ${limit} metadata_items`);
    await this.m.servers.update(id, { metadata: JSON.stringify(next) });
    return next;
  }

  async deleteMetadata(auth: AuthContext, id: string, key: string): Promise<void> {
    const row = await this.find(auth, id);
    this.checkLock(auth, row);
    const meta = JSON.parse(row.metadata) as Record<string, string>;
    if (!(key in meta)) throw notFound(`Metadata item was not found`);
    delete meta[key];
    await this.m.servers.update(id, { metadata: JSON.stringify(meta) });
  }
}
