import type { FastifyRequest } from 'fastify';
import { looseBool, type Obj } from '../../../platform/http/validate.js';
import { badRequest, notFound } from '../../../platform/errors.js';
import { allowed } from '../../../platform/policy.js';
import { computePolicy } from '../policy.js';
import type { ComputeModel } from '../model/context.js';
import type { Lifecycle } from '../model/lifecycle.js';
import type { ServerService } from '../model/servers.js';
import type { VolumeEvents } from '../model/volume-events.js';
import type { RenderContext } from './render.js';

/** What the compute routes share. */
export interface ComputeApi {
  model: ComputeModel;
  servers: ServerService;
  lifecycle: Lifecycle;
  volumeEvents: VolumeEvents;
  baseUrl(): string;
  /** Base URL of the image service (snapshot Location before 2.45). */
  imageUrl(): string;
}

export const isAdmin = (req: FastifyRequest) => req.auth.roles.includes('admin');

export const renderCtx = (api: ComputeApi, req: FastifyRequest): RenderContext => ({ base: api.baseUrl(), mv: req.mv, admin: allowed(computePolicy, 'server:show:host_attributes', req.auth) });

/** 404 for routes that appear only at a later microversion, as Nova's version-gated routes. */
export function since(req: FastifyRequest, minor: number): void {
  if (req.mv < minor) throw notFound('The resource could not be found.');
}

/** 400 for body fields that appear only at a later microversion (Nova's schema has no such property). */
export function fieldSince(mv: number, minor: number, field: string): void {
  if (mv < minor) throw badRequest(`Invalid input for field/attribute server. Additional properties are not allowed ('${field}' was unexpected)`);
}

/** Nova's `limit` (at most 1000, osapi_max_limit) and `marker` query parameters. */
export function paging(q: Record<string, string>): { limit: number; marker?: string } {
  let limit = 1000;
  if (q.limit !== undefined) {
    if (!/^\d+$/.test(q.limit)) throw badRequest(`Invalid input for query parameters limit. Value: ${q.limit}. '${q.limit}' does not match '^[0-9]*$'`);
    limit = Math.min(Number(q.limit), 1000);
  }
  return { limit, marker: q.marker };
}

/** A query time in ISO 8601 (Nova's 'date-time' format, with or without a zone) as a UTC ISO string. */
function queryTime(q: Record<string, string>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined) return undefined;
  const iso = /^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?([zZ]|[+-]\d\d:?\d\d)?)?$/.test(v);
  const d = new Date(iso && /[T ]/.test(v) && !/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? `${v.replace(' ', 'T')}Z` : v);
  if (!iso || Number.isNaN(d.getTime())) throw badRequest(`Invalid input for query parameters ${name}. Value: ${v}. '${v}' is not a 'date-time'`);
  return d.toISOString();
}

/**
 * `changes-since` and (since 2.66) `changes-before`, as servers and instance actions filter them.
 * `shownToSecond`: the listed resource shows its times without a fraction (a server's `updated`), so
 * a `changes-before` that a client copied from one covers the whole second it names; instance
 * actions show microseconds, and their bound is the instant given.
 */
export function changesWindow(q: Record<string, string>, mv: number, shownToSecond: boolean): { changesSince?: string; changesBefore?: string } {
  const changesSince = queryTime(q, 'changes-since');
  const before = mv >= 66 ? queryTime(q, 'changes-before') : undefined;
  const changesBefore = before === undefined || !shownToSecond ? before : new Date(Math.floor(Date.parse(before) / 1000) * 1000 + 999).toISOString();
  if (changesSince && changesBefore && changesBefore < changesSince) throw badRequest('The value of changes-since must be less than or equal to changes-before.');
  return { changesSince, changesBefore };
}

/** `{kind}_links` with the next page, when the page is full. */
export function nextLinks(base: string, path: string, q: Record<string, string>, lastId: string | undefined, more: boolean) {
  if (!more || !lastId) return undefined;
  const params = new URLSearchParams({ ...q, marker: lastId });
  return [{ rel: 'next', href: `${base}/v2.1/${path}?${params.toString()}` }];
}

/** Nova's `parameter_types.boolean`: JSON booleans or the strings 'True', 'on', '0', 'No', ... */
export function novaBool(o: Obj, field: string): boolean | undefined {
  const v = o[field];
  if (v === undefined) return undefined;
  const b = looseBool(v);
  if (b !== undefined) return b;
  throw badRequest(`Invalid input for field/attribute ${field}. Value: ${JSON.stringify(v)}. ${JSON.stringify(v)} is not of type 'boolean'`);
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);
