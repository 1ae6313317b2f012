import { Busboy, type BusboyInstance } from '@fastify/busboy';
import type { FastifyRequest } from 'fastify';
import { Transform, type Readable } from 'node:stream';
import { isApiError } from '../../../platform/errors.js';
import { invalidArgument, s3Error } from '../model/errors.js';
import { bodyStream } from './body.js';

/** S3 accepts at most this many bytes of form fields before the file. */
const MAX_FIELD_BYTES = 20 * 1024;
/** The largest object a POST may upload. */
const MAX_POST_BYTES = 5 * 1024 ** 3;

/** A POST Object form up to its file part, whose bytes are still to be read. */
export interface UploadForm {
  /** Fields before the file, names lower-cased (S3 matches them case-insensitively); the first of a repeated name wins. */
  fields: Map<string, string>;
  file: Readable;
  filename: string;
  /** Settles when the rest of the request (anything after the file) has been read. */
  done: Promise<void>;
  /** Stops reading the form after a failure: the rest of the request is read and dropped. */
  abandon(): void;
}

const malformed = () => s3Error('badRequest', 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
const tooLarge = () => s3Error('badRequest', 'MaxPostPreDataLengthExceeded', 'Your POST request fields preceeding the upload file was too large.');

/**
 * Streams a `multipart/form-data` body: resolves at the part named `file` with the fields before
 * it, leaving the file's bytes to the caller. Fields after the file are ignored, as S3 does.
 */
export function readUploadForm(req: FastifyRequest): Promise<UploadForm> {
  let parser: BusboyInstance;
  try {
    parser = Busboy({
      headers: { ...req.headers, 'content-type': String(req.headers['content-type']) },
      isPartAFile: (name) => name?.toLowerCase() === 'file',
      limits: { files: 1, fieldSize: MAX_FIELD_BYTES + 1, fieldNameSize: 1024 },
    });
  } catch {
    return Promise.reject(malformed());
  }
  const raw = bodyStream(req);
  const fields = new Map<string, string>();
  let size = 0;
  let file: Readable | undefined;
  const done = new Promise<void>((resolve, reject) => {
    parser.on('finish', resolve);
    parser.on('error', () => reject(malformed()));
  });
  const abandon = () => {
    raw.unpipe(parser);
    raw.resume();
  };
  return new Promise<UploadForm>((resolve, reject) => {
    const fail = (e: unknown) => {
      abandon();
      reject(e);
    };
    parser.on('field', (name, value, nameTruncated, valueTruncated) => {
      if (file) return;
      size += Buffer.byteLength(name) + Buffer.byteLength(value);
      if (nameTruncated || valueTruncated || size > MAX_FIELD_BYTES) return fail(tooLarge());
      const key = name.toLowerCase();
      if (!fields.has(key)) fields.set(key, value);
    });
    parser.on('file', (_name, stream, filename) => {
      file = stream;
      // The parser reports a form cut off by emitting 'error' on the file, possibly before anyone
      // reads it: a destroyed stream lets the reader see it whenever it starts. A complete request
      // body that ends inside the file is a malformed form; otherwise the client stopped sending.
      stream.on('error', (e) => stream.destroy(raw.complete && !isApiError(e) ? malformed() : e));
      resolve({ fields, file: stream, filename: filename ?? '', done, abandon });
    });
    // A form that ends, or breaks, before its file part is refused.
    done.then(
      () => {
        if (!file) fail(invalidArgument('POST requires exactly one file upload per request.'));
      },
      (e) => {
        if (!file) fail(e);
      },
    );
    // A client that goes away mid-file must fail the upload, not leave it waiting for bytes.
    raw.on('error', (e) => file?.destroy(e));
    raw.on('close', () => raw.complete || file?.destroy(new Error('request aborted')));
    raw.pipe(parser);
  });
}

/**
 * The file's bytes as the object write path takes them: within `length` (S3's 5 GiB POST limit
 * when the policy sets none), and ending only once the whole form is read and well-formed, so a
 * broken form never becomes an object.
 */
export function fileBody(form: UploadForm, length: { min: number; max: number } = { min: 0, max: MAX_POST_BYTES }): Transform {
  const max = Math.min(length.max, MAX_POST_BYTES);
  let size = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      size += chunk.length;
      if (size > max) return cb(s3Error('badRequest', 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size'));
      cb(null, chunk);
    },
    flush(cb) {
      if (size < length.min) return cb(s3Error('badRequest', 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size'));
      form.done.then(() => cb(), cb);
    },
  });
}
