import { createReadStream, existsSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { badRequest } from '../../../platform/errors.js';
import type { ImageSettings } from './settings.js';

/** Where web-download takes the bytes of a URL from. */
export type Source = { kind: 'mirror'; path: string } | { kind: 'network'; url: string };

const folderOf = (v: string) => (v.startsWith('file:') ? fileURLToPath(v) : resolve(v));

/** The mirror file of a URL, if a configured mirror prefix covers it (the file may not exist). */
export function mirrorPath(uri: string, s: ImageSettings['webDownload']): string | undefined {
  const prefix = Object.keys(s.mirrors)
    .filter((p) => uri.startsWith(p))
    .sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return undefined;
  const folder = folderOf(s.mirrors[prefix]);
  const path = resolve(folder, decodeURIComponent(uri.slice(prefix.length).split(/[?#]/)[0]));
  const rel = relative(folder, path);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return path;
}

/**
 * Decides at import time whether a URL may be imported and from where: a mirror file when one
 * exists, else the network when web-download is enabled and the URL has an allowed prefix.
 */
export function resolveSource(uri: string, s: ImageSettings['webDownload']): Source {
  const mirrored = mirrorPath(uri, s);
  if (mirrored && existsSync(mirrored) && statSync(mirrored).isFile()) return { kind: 'mirror', path: mirrored };
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw badRequest(`URI for web-download is not valid: ${uri}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest(`URI for web-download does not pass filtering: ${uri}`);
  if (!s.enabled) throw badRequest(`The data of ${uri} is not available: web-download from the network is disabled and no mirror holds it.`);
  if (s.allowedPrefixes.length && !s.allowedPrefixes.some((p) => uri.startsWith(p))) throw badRequest(`URI for web-download does not pass filtering: ${uri}`);
  return { kind: 'network', url: uri };
}

/** Opens the bytes of a source as a stream (network errors become exceptions of the import). */
export async function openSource(src: Source): Promise<AsyncIterable<Buffer>> {
  if (src.kind === 'mirror') return createReadStream(src.path, { highWaterMark: 1024 * 1024 });
  const res = await fetch(src.url, { redirect: 'follow' });
  if (!res.ok || !res.body) throw new Error(`GET ${src.url} answered ${res.status}`);
  return Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
}
