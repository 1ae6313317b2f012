import type { AuthContext } from '../../../platform/auth.js';
import { badRequest, notFound } from '../../../platform/errors.js';

/** Who acts: the token's project and user. Every lookup is scoped by these. */
export interface Caller {
  projectId: string;
  userId: string;
}

export function callerOf(auth: AuthContext): Caller {
  // Barbican needs a project-scoped token for every resource call.
  if (!auth.projectId) throw notFound('No project in the token: the key manager needs a project-scoped token.');
  return { projectId: auth.projectId, userId: auth.userId };
}

/** An ISO-8601 time in our storage format; a zone-less one is UTC, as in Barbican. */
export function utcIso(v: string, field: string): string {
  const d = new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(d.getTime())) throw badRequest(`Invalid date for '${field}': '${v}'.`);
  return d.toISOString();
}

export const SECRET_TYPES = ['symmetric', 'public', 'private', 'passphrase', 'certificate', 'opaque'] as const;
export const CONTAINER_TYPES = ['generic', 'certificate', 'rsa'] as const;
export const QUOTA_RESOURCES = ['secrets', 'orders', 'containers', 'consumers', 'cas'] as const;
export type QuotaResource = (typeof QUOTA_RESOURCES)[number];

export interface KeyManagerSettings {
  /** Default per-project limits; -1 is unlimited (Barbican's default). */
  quotas: Record<QuotaResource, number>;
  /** Largest payload accepted, in bytes (Barbican's `max_allowed_secret_in_bytes`). */
  maxSecretBytes: number;
}

export const DEFAULT_SETTINGS: KeyManagerSettings = {
  quotas: { secrets: -1, orders: -1, containers: -1, consumers: -1, cas: -1 },
  maxSecretBytes: 20000,
};

/** Payload content types Barbican stores, after normalisation (`text/plain;charset=utf-8` -> `text/plain`). */
const BINARY_TYPES = ['application/octet-stream', 'application/pkcs8', 'application/pkix-cert', 'application/pkcs10'];

/** The normalised content type, or undefined when Barbican does not support it. */
export function normaliseContentType(raw: string): string | undefined {
  const [type, ...params] = raw.split(';').map((s) => s.trim().toLowerCase());
  if (type === 'text/plain') {
    const charset = params.find((p) => p.startsWith('charset='));
    return !charset || charset === 'charset=utf-8' ? 'text/plain' : undefined;
  }
  return BINARY_TYPES.includes(type) ? type : undefined;
}

/** Strict base64 (Barbican refuses payloads that do not decode). */
export function decodeBase64(text: string, what = 'payload'): Buffer {
  const clean = text.replace(/\s+/g, '');
  if (clean === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) {
    throw badRequest(`Problem decoding ${what}: not valid base64.`);
  }
  return Buffer.from(clean, 'base64');
}

export const json = <T>(text: string): T => JSON.parse(text) as T;
