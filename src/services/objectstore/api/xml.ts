import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';
import type { FastifyReply } from 'fastify';
import { malformedXml } from '../model/errors.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', suppressEmptyNode: false, processEntities: true });
// Values keep their whitespace: an object key may be " " or end in spaces (DeleteObjects).
const parser = new XMLParser({ ignoreAttributes: true, removeNSPrefix: true, parseTagValue: false, trimValues: false });

/** `<root xmlns=...>body</root>` with the XML declaration. */
export function xml(root: string, body: Record<string, unknown>, namespace = true): string {
  const doc = { [root]: namespace ? { '@_xmlns': S3_NS, ...body } : body };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build(doc)}`;
}

export function sendXml(reply: FastifyReply, root: string, body: Record<string, unknown>, status = 200): string {
  reply.code(status).type('application/xml');
  return xml(root, body);
}

/** Parses a request document, requiring `root` as its top element; MalformedXML otherwise. */
export function parseXml(text: string, root: string): Record<string, unknown> {
  if (!text.trim() || XMLValidator.validate(text) !== true) throw malformedXml();
  const doc = dropLayoutText(parser.parse(text)) as Record<string, unknown>;
  const top = doc[root];
  if (top === undefined) throw malformedXml();
  return (typeof top === 'object' && top !== null ? top : {}) as Record<string, unknown>;
}

/** Without trimming, an element with children also gets the whitespace between them as `#text`. */
function dropLayoutText(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(dropLayoutText);
  if (typeof v !== 'object' || v === null) return v;
  const out: Record<string, unknown> = {};
  for (const [k, child] of Object.entries(v)) if (k !== '#text') out[k] = dropLayoutText(child);
  return out;
}

/** A child element that may appear once or many times, as an array. */
export const many = <T = Record<string, unknown>>(v: unknown): T[] => (v === undefined || v === '' ? [] : Array.isArray(v) ? (v as T[]) : [v as T]);

/** The text of a child element ('' when absent). */
export const text = (v: unknown): string => (v === undefined || v === null || typeof v === 'object' ? '' : String(v));

/** S3 prints times as `2024-01-02T03:04:05.000Z`. */
export const s3Time = (iso: string) => new Date(iso).toISOString();
