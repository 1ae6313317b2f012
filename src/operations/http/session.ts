import type { CloudAuth, CloudEntry } from './clouds.js';

/** One service of the Keystone catalog as the token carries it. */
export interface CatalogService {
  type: string;
  name?: string;
  endpoints: Array<{ interface: string; region?: string | null; region_id?: string | null; url: string }>;
}

export interface TokenInfo {
  token: string;
  expiresAt: string;
  userId: string;
  projectId?: string;
  roles: string[];
  catalog: CatalogService[];
}

export interface RequestOptions {
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined>;
  /** Microversion of the service (sent as `OpenStack-API-Version: <type> <version>`). */
  microversion?: string;
  headers?: Record<string, string>;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** A non-2xx answer of an OpenStack API, with the fault message of any service's format. */
export class OpenStackHttpError extends Error {
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${method} ${url} answered ${status}${faultMessage(body) ? `: ${faultMessage(body)}` : ''}`);
  }
}

/** The message of a Keystone, Nova, Neutron, Cinder, Glance or Barbican fault body. */
function faultMessage(body: unknown): string {
  if (typeof body === 'string') return body.slice(0, 200);
  if (!body || typeof body !== 'object') return '';
  const b = body as Record<string, any>;
  if (typeof b.title === 'string' || typeof b.description === 'string') return [b.title, b.description].filter(Boolean).join(': ');
  for (const v of Object.values(b)) if (v && typeof v === 'object' && typeof v.message === 'string') return v.message;
  return typeof b.message === 'string' ? b.message : '';
}

/** Keystone v3 base of an auth_url given with or without the version. */
export function identityBase(authUrl: string): string {
  const u = authUrl.replace(/\/+$/, '');
  return /\/v3$/.test(u) ? u : `${u}/v3`;
}

/** The Keystone v3 auth request body for a clouds.yaml auth section (password or application credential). */
export function authRequestBody(auth: CloudAuth, authType?: string): unknown {
  const domain = (id?: string, name?: string) => (id ? { id } : { name: name ?? 'Default' });
  if (authType === 'v3applicationcredential' || auth.application_credential_secret) {
    if (!auth.application_credential_secret) throw new Error('application credential auth needs application_credential_secret');
    const cred = auth.application_credential_id
      ? { id: auth.application_credential_id, secret: auth.application_credential_secret }
      : {
          name: auth.application_credential_name,
          secret: auth.application_credential_secret,
          user: auth.user_id ? { id: auth.user_id } : { name: auth.username, domain: domain(auth.user_domain_id, auth.user_domain_name) },
        };
    return { auth: { identity: { methods: ['application_credential'], application_credential: cred } } };
  }
  if (!auth.password || !(auth.username || auth.user_id)) throw new Error('password auth needs username (or user_id) and password');
  const user = auth.user_id ? { id: auth.user_id, password: auth.password } : { name: auth.username, domain: domain(auth.user_domain_id, auth.user_domain_name), password: auth.password };
  const scope = auth.project_id
    ? { project: { id: auth.project_id } }
    : auth.project_name
      ? { project: { name: auth.project_name, domain: domain(auth.project_domain_id, auth.project_domain_name) } }
      : undefined;
  return { auth: { identity: { methods: ['password'], password: { user } }, ...(scope ? { scope } : {}) } };
}

/**
 * A small OpenStack API client: authenticates against Keystone v3 once, finds endpoints in the
 * token's catalog by service type, interface and region, and sends JSON requests with the token
 * and microversion headers. It reaches any cloud through its public APIs only.
 */
export class OpenStackSession {
  private constructor(
    readonly cloud: CloudEntry,
    readonly tokenInfo: TokenInfo,
  ) {}

  static async connect(cloud: CloudEntry): Promise<OpenStackSession> {
    const url = `${identityBase(cloud.auth.auth_url)}/auth/tokens`;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(authRequestBody(cloud.auth, cloud.auth_type)) });
    const body = await readBody(res);
    if (res.status !== 201 && res.status !== 200) throw new OpenStackHttpError('POST', url, res.status, body);
    const token = res.headers.get('x-subject-token');
    const t = (body as { token?: Record<string, any> }).token;
    if (!token || !t) throw new Error(`${url} returned no token`);
    return new OpenStackSession(cloud, {
      token,
      expiresAt: t.expires_at,
      userId: t.user?.id,
      projectId: t.project?.id,
      roles: ((t.roles ?? []) as Array<{ name: string }>).map((r) => r.name),
      catalog: (t.catalog ?? []) as CatalogService[],
    });
  }

  get roles(): string[] {
    return this.tokenInfo.roles;
  }

  get catalog(): CatalogService[] {
    return this.tokenInfo.catalog;
  }

  /** Service types of the catalog that have an endpoint of our interface (and region). */
  serviceTypes(): string[] {
    return this.catalog.filter((s) => this.pick(s)).map((s) => s.type);
  }

  private pick(service: CatalogService) {
    const iface = this.cloud.interface ?? 'public';
    const region = this.cloud.region_name;
    return service.endpoints.find((e) => e.interface === iface && (!region || e.region_id === region || e.region === region));
  }

  /** The endpoint URL of the first service of one of `types`, or undefined. */
  endpoint(...types: string[]): string | undefined {
    for (const type of types) {
      const svc = this.catalog.find((s) => s.type === type && this.pick(s));
      // catalogs may carry the project placeholder unsubstituted
      if (svc) return this.pick(svc)!.url.replace(/[$%]\((project_id|tenant_id)\)s/g, this.tokenInfo.projectId ?? '').replace(/\/+$/, '');
    }
    return undefined;
  }

  /** Like `endpoint` but throws a clear error when the catalog lacks the service. */
  requireEndpoint(...types: string[]): string {
    const url = this.endpoint(...types);
    if (!url) throw new MissingServiceError(types);
    return url;
  }

  /** Sends one request to the service of type `types[0]` (or an alias); throws on non-2xx. */
  async request<T = any>(types: string | string[], method: string, path: string, opts: RequestOptions = {}): Promise<Reply<T>> {
    const list = Array.isArray(types) ? types : [types];
    const url = joinUrl(this.requireEndpoint(...list), path, opts.query);
    const headers: Record<string, string> = { 'x-auth-token': this.tokenInfo.token, accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    if (opts.microversion) {
      headers['openstack-api-version'] = `${list[0]} ${opts.microversion}`;
      if (list[0] === 'compute') headers['x-openstack-nova-api-version'] = opts.microversion;
    }
    const res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
    const body = await readBody(res);
    if (res.status >= 400) throw new OpenStackHttpError(method, url, res.status, body);
    return { status: res.status, headers: res.headers, body: body as T };
  }

  /** GETs every page of a collection, following Nova/Neutron `<key>_links` and Glance `next`. */
  async listAll<T = any>(types: string | string[], path: string, key: string, opts: RequestOptions = {}): Promise<T[]> {
    const items: T[] = [];
    const list = Array.isArray(types) ? types : [types];
    let next: string | undefined = path;
    let query = opts.query;
    for (let page = 0; next && page < 1000; page++) {
      const reply: Reply = await this.request(list, 'GET', next, { ...opts, query });
      const got = (reply.body?.[key] ?? []) as T[];
      items.push(...got);
      const links = reply.body?.[`${key}_links`] as Array<{ rel: string; href: string }> | undefined;
      const href = links?.find((l) => l.rel === 'next')?.href ?? (typeof reply.body?.next === 'string' ? reply.body.next : undefined);
      if (!href || got.length === 0) break;
      next = relativeTo(this.requireEndpoint(...list), href);
      query = undefined;
    }
    return items;
  }
}

/** The catalog has no service of the types a check needs. */
export class MissingServiceError extends Error {
  constructor(readonly types: string[]) {
    super(`the catalog has no ${types.join(' / ')} service`);
  }
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Joins an endpoint and an API path; a version segment the endpoint already ends with is not
 * repeated (`.../v2.1` + `/v2.1/flavors`), so callers may write paths either way.
 */
export function joinUrl(base: string, path: string, query?: RequestOptions['query']): string {
  const version = /^\/(v\d+(?:\.\d+)?)(?=\/|$|\?)/.exec(path)?.[1];
  const p = version && base.endsWith(`/${version}`) ? path.slice(version.length + 1) : path;
  const url = new URL(base + p);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

/** A next-page link (absolute, or a path like Glance's `/v2/images?marker=...`) as a path below `base`. */
function relativeTo(base: string, href: string): string {
  const b = new URL(base);
  const h = new URL(href, b.origin);
  const basePath = b.pathname.replace(/\/+$/, '');
  const path = h.pathname.startsWith(basePath) ? h.pathname.slice(basePath.length) : h.pathname;
  return path + h.search;
}
