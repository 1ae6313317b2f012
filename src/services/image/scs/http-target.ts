import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { createBody, type ImageSpec } from './spec.js';
import type { SyncedImage, SyncTarget } from './sync.js';

interface CloudEntry {
  auth: { auth_url: string; username: string; password: string; project_name?: string; user_domain_name?: string; project_domain_name?: string };
  region_name?: string;
  interface?: string;
}

/** A cloud of clouds.yaml, looked up where openstacksdk looks (OS_CLIENT_CONFIG_FILE first). */
export function loadCloud(name: string, file?: string): CloudEntry {
  const candidates = file ? [file] : [process.env.OS_CLIENT_CONFIG_FILE, 'clouds.yaml', join(homedir(), '.config/openstack/clouds.yaml'), '/etc/openstack/clouds.yaml'];
  for (const f of candidates) {
    if (!f || !existsSync(f)) continue;
    const doc = parseYaml(readFileSync(f, 'utf8')) as { clouds?: Record<string, CloudEntry> };
    const cloud = doc?.clouds?.[name];
    if (cloud) return cloud;
  }
  throw new Error(`cloud "${name}" not found in clouds.yaml`);
}

async function call(method: string, url: string, token: string, body?: unknown, type = 'application/json'): Promise<any> {
  const res = await fetch(url, {
    method,
    headers: { 'x-auth-token': token, accept: 'application/json', ...(body !== undefined ? { 'content-type': type } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) {
    let msg = text;
    try {
      const j = JSON.parse(text);
      msg = String(j.message ?? j.error?.message ?? text).replace(/<br \/>[\s\S]*$/, '');
    } catch {
      // not JSON
    }
    throw new Error(`${method} ${url}: ${res.status} ${msg.trim()}`);
  }
  return text ? JSON.parse(text) : undefined;
}

const CORE = ['id', 'name', 'status', 'visibility', 'min_disk', 'min_ram', 'owner', 'protected', 'os_hidden', 'checksum', 'size', 'virtual_size', 'disk_format', 'container_format', 'created_at', 'updated_at', 'tags', 'self', 'file', 'schema', 'os_hash_algo', 'os_hash_value', 'stores', 'locations', 'direct_url'];
const toSynced = (img: Record<string, unknown>): SyncedImage => ({
  id: String(img.id),
  status: String(img.status),
  visibility: String(img.visibility),
  minDisk: Number(img.min_disk ?? 0),
  minRam: Number(img.min_ram ?? 0),
  properties: Object.fromEntries(Object.entries(img).filter(([k, v]) => !CORE.includes(k) && typeof v === 'string')) as Record<string, string>,
});

/** Sync target over the Glance v2 API of any OpenStack cloud (password auth from clouds.yaml). */
export async function httpTarget(cloud: CloudEntry): Promise<SyncTarget> {
  const a = cloud.auth;
  const authUrl = a.auth_url.replace(/\/+$/, '').replace(/\/v3$/, '');
  const res = await fetch(`${authUrl}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: a.username, password: a.password, domain: { name: a.user_domain_name ?? 'Default' } } } },
        scope: { project: { name: a.project_name, domain: { name: a.project_domain_name ?? 'Default' } } },
      },
    }),
  });
  if (res.status !== 201) throw new Error(`authentication at ${authUrl} failed: ${res.status}`);
  const token = res.headers.get('x-subject-token')!;
  const body = (await res.json()) as { token: { catalog?: Array<{ type: string; endpoints: Array<{ interface: string; region?: string; url: string }> }> } };
  const wanted = cloud.interface ?? 'public';
  const ep = body.token.catalog
    ?.find((s) => s.type === 'image')
    ?.endpoints.find((e) => e.interface === wanted && (!cloud.region_name || e.region === cloud.region_name));
  if (!ep) throw new Error('the cloud has no image endpoint in its catalog');
  const base = ep.url.replace(/\/+$/, '').replace(/\/v2$/, '');
  return {
    async find(name) {
      const list = await call('GET', `${base}/v2/images?name=${encodeURIComponent(name)}&sort=created_at:desc&limit=1`, token);
      return list.images[0] ? toSynced(list.images[0]) : undefined;
    },
    async create(spec: ImageSpec) {
      const img = await call('POST', `${base}/v2/images`, token, createBody(spec));
      return toSynced(img);
    },
    async update(id, ops) {
      await call('PATCH', `${base}/v2/images/${id}`, token, ops, 'application/openstack-images-v2.1-json-patch');
    },
    async importUrl(id, url) {
      await call('POST', `${base}/v2/images/${id}/import`, token, { method: { name: 'web-download', uri: url } });
    },
  };
}
