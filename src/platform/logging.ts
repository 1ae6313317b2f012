import { pino, type Logger } from 'pino';

export type { Logger };

/** Names of fields that must never reach a log line. */
const REDACT = [
  'password',
  'secret',
  '*.password',
  '*.secret',
  'req.headers["x-auth-token"]',
  'req.headers["x-subject-token"]',
  'req.headers.authorization',
  'auth.identity.password.user.password',
];

export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '***' }, base: { pid: process.pid } });
}
