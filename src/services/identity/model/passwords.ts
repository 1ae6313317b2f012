import bcrypt from 'bcrypt';

/**
 * Password and secret hashing with bcrypt, the cost Keystone uses by default (12). bcrypt runs on
 * libuv's thread pool, so a login never stalls the event loop. bcrypt reads at most 72 bytes.
 */
export class PasswordHasher {
  constructor(private readonly rounds = 12) {}

  hash(password: string): Promise<string> {
    return bcrypt.hash(password, this.rounds);
  }

  /** Constant-time comparison inside bcrypt; false for a missing hash. */
  async verify(password: string, hash: string | null | undefined): Promise<boolean> {
    if (!hash) return false;
    return bcrypt.compare(password, hash);
  }
}
