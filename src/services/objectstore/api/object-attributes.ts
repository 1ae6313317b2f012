import type { FastifyReply, FastifyRequest } from 'fastify';
import { checksumType, type StoredChecksum } from '../model/checksums.js';
import { invalidArgument } from '../model/errors.js';
import { segmentsOf } from '../model/objects.js';
import type { BucketRow, ObjectRow } from '../store/tables.js';
import { header } from './body.js';
import { customerKey, requireCustomerKey } from './headers.js';
import { versionedHeader } from './objects.js';
import { sendXml } from './xml.js';

const ATTRIBUTES = new Set(['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize']);

/** `Checksum` element content: `ChecksumSHA256` etc. and, for whole objects, the checksum type. */
function checksumFields(c: StoredChecksum | undefined, withType: boolean): Record<string, string> {
  if (!c) return {};
  return { [`Checksum${c.algorithm}`]: c.value, ...(withType ? { ChecksumType: checksumType(c) } : {}) };
}

/** A non-negative integer request header, or the default. */
function intHeader(req: FastifyRequest, name: string, fallback: number): number {
  const v = header(req, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v.trim())) throw invalidArgument(`Invalid ${name} header: ${v}`);
  return Number(v);
}

/** The ObjectParts page of a multipart object: its parts are its segments, in order. */
function objectParts(row: ObjectRow, req: FastifyRequest): Record<string, unknown> {
  const marker = intHeader(req, 'x-amz-part-number-marker', 0);
  const max = Math.min(intHeader(req, 'x-amz-max-parts', 1000), 1000);
  const segments = segmentsOf(row).slice(0, row.parts_count);
  const page = segments.map((s, i) => ({ s, n: i + 1 })).filter(({ n }) => n > marker);
  const shown = page.slice(0, max);
  const truncated = page.length > shown.length;
  return {
    PartsCount: row.parts_count,
    PartNumberMarker: marker,
    ...(truncated ? { NextPartNumberMarker: shown[shown.length - 1].n } : {}),
    MaxParts: max,
    IsTruncated: truncated,
    Part: shown.map(({ s, n }) => ({ PartNumber: n, Size: s.size, ...checksumFields(s.checksum, false) })),
  };
}

/**
 * GetObjectAttributes (`GET /bucket/key?attributes`): what a HEAD and a ListParts of the object
 * would tell, limited to the attributes named in `x-amz-object-attributes`.
 */
export async function getObjectAttributes(req: FastifyRequest, reply: FastifyReply, bucket: BucketRow, row: ObjectRow, versionAsked: boolean) {
  const wanted = (header(req, 'x-amz-object-attributes') ?? '').split(',').map((a) => a.trim()).filter(Boolean);
  if (wanted.length === 0 || wanted.some((a) => !ATTRIBUTES.has(a))) throw invalidArgument('Invalid attribute name specified.');
  requireCustomerKey(row, customerKey(req));
  const has = (a: string) => wanted.includes(a);
  const checksum = row.checksum ? (JSON.parse(row.checksum) as StoredChecksum) : undefined;
  reply.header('last-modified', new Date(row.last_modified).toUTCString());
  if (versionAsked || versionedHeader(bucket)) reply.header('x-amz-version-id', row.version_id);
  return sendXml(reply, 'GetObjectAttributesResponse', {
    ...(has('ETag') ? { ETag: row.etag.replace(/"/g, '') } : {}),
    ...(has('Checksum') && checksum ? { Checksum: checksumFields(checksum, true) } : {}),
    ...(has('ObjectParts') && row.parts_count > 0 ? { ObjectParts: objectParts(row, req) } : {}),
    ...(has('StorageClass') ? { StorageClass: 'STANDARD' } : {}),
    ...(has('ObjectSize') ? { ObjectSize: row.size } : {}),
  });
}
