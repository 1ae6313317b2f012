import { randomBytes, randomUUID } from 'node:crypto';

/** Keystone-style 32 hex character id. */
export const hexId = (): string => randomBytes(16).toString('hex');
/** Nova/Glance/Neutron/Cinder-style UUID with dashes. */
export const uuid = (): string => randomUUID();
/** URL-safe random string (audit ids, secrets). */
export const randomToken = (bytes = 16): string => randomBytes(bytes).toString('base64url');

/** Storage format for timestamps: ISO-8601 in UTC with milliseconds; sorts lexicographically. */
export const nowIso = (): string => new Date().toISOString();

/** `2024-01-02T03:04:05.000000Z` as Keystone prints token times. */
export function isoMicro(iso: string | Date): string {
  const s = typeof iso === 'string' ? iso : iso.toISOString();
  return s.replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** `2024-01-02T03:04:05Z` as Nova, Glance and Neutron print times. */
export function isoSeconds(iso: string | Date): string {
  const s = typeof iso === 'string' ? iso : iso.toISOString();
  return s.replace(/\.\d+Z$/, 'Z');
}

/** `2024-01-02T03:04:05.000000` (no zone) as Nova and Cinder print many times. */
export function isoNaive(iso: string | Date): string {
  return isoMicro(iso).replace(/Z$/, '');
}

/** Python's `isoformat()` of a naive UTC time: `2024-01-02T03:04:05`, with `.ffffff` only when non-zero. */
export function isoPython(iso: string | Date): string {
  return isoNaive(iso).replace(/\.0{6}$/, '');
}
