import type { AuthContext } from '../../../platform/auth.js';
import { ApiError, badRequest } from '../../../platform/errors.js';
import type { MasterKey } from '../../../platform/keys.js';
import type { KeyManagerClient } from '../../keymanager/client.js';
import type { ListenerSpec } from '../drivers/driver.js';

const CONTEXT = 'loadbalancer:listener-tls';

/**
 * TLS material of TERMINATED_HTTPS listeners: read from a key manager certificate container with
 * the user's token when the listener is created or changed (as Octavia's API checks the
 * reference), then kept wrapped by the master key so the data plane can be rebuilt later
 * without the user's token.
 */
export class Certificates {
  constructor(
    private readonly keymanager: () => KeyManagerClient | undefined,
    private readonly masterKey: MasterKey,
  ) {}

  async fetchWrapped(auth: AuthContext, ref: string): Promise<string> {
    const km = this.keymanager();
    if (!km) throw new ApiError('notImplemented', 'TLS termination needs the key manager service, which this cloud does not run.', { status: 501 });
    const failed = () => badRequest(`Could not retrieve certificate: ${ref}`);
    const container = await km.getContainer(auth, ref).catch(() => {
      throw failed();
    });
    const refOf = (name: string) => container.secret_refs.find((s) => s.name === name)?.secret_ref;
    const read = async (name: string) => {
      const r = refOf(name);
      return r ? (await km.getSecretPayload(auth, r).catch(() => { throw failed(); })).toString('utf8') : undefined;
    };
    const [cert, key, chain, passphrase] = await Promise.all(['certificate', 'private_key', 'intermediates', 'private_key_passphrase'].map(read));
    if (!cert || !key) throw badRequest(`Could not retrieve certificate: ${ref} (the container needs a certificate and a private_key)`);
    const material = { cert: chain ? `${cert.trim()}\n${chain.trim()}\n` : cert, key, ...(passphrase ? { passphrase } : {}) };
    return this.masterKey.wrap(Buffer.from(JSON.stringify(material)), CONTEXT);
  }

  unwrap(wrapped: string | undefined): ListenerSpec['tls'] {
    return wrapped ? JSON.parse(this.masterKey.unwrap(wrapped, CONTEXT).toString('utf8')) : null;
  }
}
