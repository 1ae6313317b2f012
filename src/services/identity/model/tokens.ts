import { unauthorized } from '../../../platform/errors.js';
import { open, seal, type KeyRepository } from '../../../platform/keys.js';

/** Everything a token says, so that validating it needs no database read. */
export interface TokenPayload {
  userId: string;
  userName: string;
  userDomain: [id: string, name: string];
  methods: string[];
  project?: { id: string; name: string; domain: [id: string, name: string] };
  domain?: [id: string, name: string];
  system?: boolean;
  roles: Array<[id: string, name: string]>;
  /** Milliseconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
  auditIds: string[];
  appCred?: { id: string; name: string; unrestricted: boolean; accessRules?: Array<{ id?: string; service: string; method: string; path: string }> };
  passwordExpiresAt?: string | null;
  /** A trust-scoped token: the user is the trustor with impersonation, else the trustee. */
  trust?: { id: string; trustorId: string; trusteeId: string; impersonation: boolean };
  /** Identity provider and protocol of a federated login. */
  federation?: { idp: string; protocol: string; groups: Array<{ id: string; name: string; domain: [string, string] }> };
}

const VERSION = 0x81;

/**
 * Fernet-like tokens: the payload as JSON, sealed with AES-256-GCM (authenticated encryption) under
 * the primary key of a rotating key repository; any active key opens it. A byte names the key.
 */
export class TokenCodec {
  constructor(private readonly keys: KeyRepository) {}

  encode(p: TokenPayload): string {
    const { id, key } = this.keys.primary();
    const header = Buffer.from([VERSION, id & 0xff]);
    return Buffer.concat([header, seal(key, Buffer.from(JSON.stringify(p)), header)]).toString('base64url');
  }

  /** Opens a token; throws unauthorized when it is malformed or was not made with our keys. */
  decode(token: string): TokenPayload {
    const raw = Buffer.from(token, 'base64url');
    if (raw.length < 30 || raw[0] !== VERSION) throw invalid();
    const header = raw.subarray(0, 2);
    const named = this.keys.get(raw[1]);
    const candidates = named ? [named, ...this.keys.all().filter((k) => k !== named)] : this.keys.all();
    for (const key of candidates) {
      try {
        return JSON.parse(open(key, raw.subarray(2), header).toString('utf8')) as TokenPayload;
      } catch {
        // try the next key: the id byte wraps after 255 rotations
      }
    }
    throw invalid();
  }
}

export const invalid = () => unauthorized('The request you have made requires authentication.');
