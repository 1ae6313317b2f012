/**
 * Just enough HTTP/1.1 (RFC 9112) for a proxy that forwards messages as they are: where a head
 * ends, the few header fields that decide framing and connection reuse, and where a body ends
 * (Content-Length, chunked, or the connection's close). Everything else passes through untouched.
 */

/** Longest head accepted (HAProxy's default buffer is 16 KiB; node's limit is 16 KiB too). */
export const MAX_HEAD = 32 * 1024;

/** A message the proxy cannot forward; `status` is what a request gets for it. */
export class FramingError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

interface Head {
  /** Bytes of the head, blank line included. */
  length: number;
  /** HTTP/1.x minor version. */
  minor: number;
  /** Field names in lower case, and their values, in order. */
  names: string[];
  values: string[];
  /** -1: no Content-Length. */
  contentLength: number;
  chunked: boolean;
  /** The connection ends after this message (Connection: close, or HTTP/1.0 without keep-alive). */
  close: boolean;
  /** Asks to switch protocols (Connection: upgrade with an Upgrade field). */
  upgrade: boolean;
  /** A Transfer-Encoding without chunked last (a response body then ends with the connection). */
  otherCoding: boolean;
}

export interface RequestHead extends Head {
  method: string;
  url: string;
  /** One field's value; repeated fields joined with ", ". */
  header(name: string): string | undefined;
}

export interface ResponseHead extends Head {
  status: number;
}

/** Offset just past the blank line ending a head that starts at 0, or -1 while it is incomplete. */
export function headEnd(buf: Buffer, from: number): number {
  const i = buf.indexOf('\r\n\r\n', from, 'latin1');
  return i < 0 ? -1 : i + 4;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function readFields(lines: string[], head: Head, status: number): void {
  let keepAlive = false;
  let closeToken = false;
  let upgradeToken = false;
  let upgradeField = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i];
    const colon = line.indexOf(':');
    // No obsolete line folding, no whitespace before the colon (request smuggling vectors).
    if (colon <= 0 || !TOKEN.test(line.slice(0, colon))) throw new FramingError(status, `bad header line: ${line.slice(0, 40)}`);
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    head.names.push(name);
    head.values.push(value);
    switch (name) {
      case 'content-length': {
        if (!/^\d{1,15}$/.test(value)) throw new FramingError(status, 'bad Content-Length');
        const n = Number(value);
        if (head.contentLength >= 0 && head.contentLength !== n) throw new FramingError(status, 'conflicting Content-Length');
        head.contentLength = n;
        break;
      }
      case 'transfer-encoding': {
        const codings = value.toLowerCase().split(',').map((c) => c.trim());
        head.chunked = codings[codings.length - 1] === 'chunked';
        head.otherCoding = !head.chunked;
        break;
      }
      case 'connection':
        for (const t of value.toLowerCase().split(',')) {
          const token = t.trim();
          if (token === 'close') closeToken = true;
          else if (token === 'keep-alive') keepAlive = true;
          else if (token === 'upgrade') upgradeToken = true;
        }
        break;
      case 'upgrade':
        upgradeField = true;
        break;
    }
  }
  head.close = closeToken || (head.minor === 0 && !keepAlive);
  head.upgrade = upgradeToken && upgradeField;
}

function newHead(length: number, minor: number): Head {
  return { length, minor, names: [], values: [], contentLength: -1, chunked: false, close: false, upgrade: false, otherCoding: false };
}

function header(this: RequestHead, name: string): string | undefined {
  let out: string | undefined;
  for (let i = 0; i < this.names.length; i++) if (this.names[i] === name) out = out === undefined ? this.values[i] : `${out}, ${this.values[i]}`;
  return out;
}

/** Parses the request head in buf[0, end). */
export function parseRequest(buf: Buffer, end: number): RequestHead {
  const lines = buf.toString('latin1', 0, end - 4).split('\r\n');
  const parts = lines[0].split(' ');
  if (parts.length !== 3 || !TOKEN.test(parts[0]) || !parts[1] || (parts[2] !== 'HTTP/1.1' && parts[2] !== 'HTTP/1.0')) throw new FramingError(400, 'bad request line');
  const head = Object.assign(newHead(end, parts[2] === 'HTTP/1.1' ? 1 : 0), { method: parts[0], url: parts[1], header });
  readFields(lines, head, 400);
  // Forwarded as they are, so a member must not be able to read the body differently (RFC 9112 6.1).
  if (head.otherCoding) throw new FramingError(501, 'unsupported Transfer-Encoding');
  if (head.chunked && head.contentLength >= 0) throw new FramingError(400, 'both Transfer-Encoding and Content-Length');
  return head;
}

/** Parses the response head in buf[0, end). */
export function parseResponse(buf: Buffer, end: number): ResponseHead {
  const lines = buf.toString('latin1', 0, end - 4).split('\r\n');
  const line = lines[0];
  const status = Number(line.slice(9, 12));
  if (!/^HTTP\/1\.[01] \d\d\d( |$)/.test(line) || status < 100) throw new FramingError(502, 'bad status line');
  const head = Object.assign(newHead(end, line.charCodeAt(7) - 48), { status });
  readFields(lines, head, 502);
  return head;
}

const enum Chunk {
  Size,
  Extension,
  SizeLf,
  Data,
  DataCr,
  DataLf,
  Trailer,
}

/**
 * Where a body ends, fed the bytes that follow its head as they arrive. `take` answers how many
 * of them belong to the body; `done` turns true at its end. A close-delimited body never ends
 * here: the connection's end is its end.
 */
export class BodyFrame {
  done = false;
  private state = Chunk.Size;
  private size = 0;
  private digits = 0;
  private lineLength = 0;

  private constructor(
    readonly mode: 'length' | 'chunked' | 'close',
    private remaining: number,
    private readonly errorStatus: number,
  ) {}

  /** The body of a request, or null when it has none. */
  static ofRequest(h: RequestHead): BodyFrame | null {
    if (h.chunked) return new BodyFrame('chunked', 0, 400);
    return h.contentLength > 0 ? new BodyFrame('length', h.contentLength, 400) : null;
  }

  /** The body of a final response, or null when it has none (HEAD, 1xx, 204, 304, empty). */
  static ofResponse(h: ResponseHead, method: string): BodyFrame | null {
    if (method === 'HEAD' || h.status < 200 || h.status === 204 || h.status === 304) return null;
    if (h.chunked) return new BodyFrame('chunked', 0, 502);
    if (h.otherCoding || h.contentLength < 0) return new BodyFrame('close', 0, 502);
    return h.contentLength > 0 ? new BodyFrame('length', h.contentLength, 502) : null;
  }

  take(buf: Buffer, from: number): number {
    const avail = buf.length - from;
    if (this.mode === 'close') return avail;
    if (this.mode === 'length') {
      const n = Math.min(avail, this.remaining);
      this.remaining -= n;
      this.done = this.remaining === 0;
      return n;
    }
    let i = from;
    while (i < buf.length && !this.done) {
      if (this.state === Chunk.Data) {
        const n = Math.min(buf.length - i, this.remaining);
        i += n;
        this.remaining -= n;
        if (this.remaining === 0) this.state = Chunk.DataCr;
        continue;
      }
      this.step(buf[i++]);
    }
    return i - from;
  }

  /** One byte of chunk framing outside chunk data. */
  private step(c: number): void {
    const fail = () => {
      throw new FramingError(this.errorStatus, 'bad chunked encoding');
    };
    switch (this.state) {
      case Chunk.Size: {
        const hex = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
        if (hex >= 0) {
          if (++this.digits > 12) fail();
          this.size = this.size * 16 + hex;
        } else if (this.digits === 0) fail();
        else if (c === 13) this.state = Chunk.SizeLf;
        else if (c === 59 || c === 32 || c === 9) this.state = Chunk.Extension;
        else fail();
        return;
      }
      case Chunk.Extension:
        if (++this.lineLength > 4096) fail();
        if (c === 13) this.state = Chunk.SizeLf;
        return;
      case Chunk.SizeLf:
        if (c !== 10) fail();
        this.remaining = this.size;
        this.state = this.size === 0 ? Chunk.Trailer : Chunk.Data;
        this.size = this.digits = this.lineLength = 0;
        return;
      case Chunk.DataCr:
        if (c !== 13) fail();
        this.state = Chunk.DataLf;
        return;
      case Chunk.DataLf:
        if (c !== 10) fail();
        this.state = Chunk.Size;
        return;
      case Chunk.Trailer:
        // Trailer lines until an empty one; lineLength counts the bytes of the current line.
        if (c === 10) {
          if (this.lineLength <= 1) this.done = true;
          this.lineLength = 0;
        } else if (++this.lineLength > MAX_HEAD) fail();
        return;
    }
  }
}

const REASONS: Record<number, string> = {
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad request',
  403: 'Forbidden',
  408: 'Request Time-out',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Time-out',
};

/** HAProxy's error pages, which Octavia's amphorae answer with. */
const PAGES: Record<number, string> = {
  400: 'Your browser sent an invalid request.',
  403: 'Request forbidden by administrative rules.',
  408: "Your browser didn't send a complete request in time.",
  501: 'The server does not support the functionality required to fulfill the request.',
  502: 'The server returned an invalid or incomplete response.',
  503: 'No server is available to handle this request.',
  504: "The server didn't respond in time.",
};

/** A response the proxy answers by itself: an error page, or a redirect with `location`. */
export function localResponse(status: number, opts: { close: boolean; headOnly: boolean; location?: string }): Buffer {
  const body = PAGES[status] ? `<html><body><h1>${status} ${REASONS[status]}</h1>\n${PAGES[status]}\n</body></html>\n` : '';
  const fields = [`HTTP/1.1 ${status} ${REASONS[status] ?? ''}`, `content-length: ${Buffer.byteLength(body)}`, 'cache-control: no-cache'];
  if (body) fields.push('content-type: text/html');
  if (opts.location !== undefined) fields.push(`location: ${opts.location}`);
  if (opts.close) fields.push('connection: close');
  return Buffer.from(`${fields.join('\r\n')}\r\n\r\n${opts.headOnly ? '' : body}`);
}
