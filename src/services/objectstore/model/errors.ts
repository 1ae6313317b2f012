import { ApiError, type ErrorKind } from '../../../platform/errors.js';

/** An S3 error: its code is what clients switch on, the status follows S3's table. */
export const s3Error = (kind: ErrorKind, code: string, message: string, status?: number, headers?: Record<string, string>) =>
  new ApiError(kind, message, { code, status, extra: headers ? { headers } : undefined });

export const accessDenied = (message = 'Access Denied') => s3Error('forbidden', 'AccessDenied', message);
export const signatureMismatch = () =>
  s3Error(
    'forbidden',
    'SignatureDoesNotMatch',
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  );
export const malformedXml = () =>
  s3Error('badRequest', 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema.');
export const invalidArgument = (message: string) => s3Error('badRequest', 'InvalidArgument', message);
export const invalidRequest = (message: string) => s3Error('badRequest', 'InvalidRequest', message);
export const noSuchBucket = () => s3Error('notFound', 'NoSuchBucket', 'The specified bucket does not exist');
export const noSuchKey = () => s3Error('notFound', 'NoSuchKey', 'The specified key does not exist.');
export const noSuchVersion = () => s3Error('notFound', 'NoSuchVersion', 'The specified version does not exist.');
export const noSuchUpload = () =>
  s3Error('notFound', 'NoSuchUpload', 'The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.');
export const preconditionFailed = () =>
  s3Error('preconditionFailed', 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
export const incompleteBody = () =>
  s3Error('badRequest', 'IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.');
export const notImplemented = (what: string) =>
  s3Error('notImplemented', 'NotImplemented', `A header or query you provided implies functionality that is not implemented: ${what}.`);
