import { section } from '../../platform/config.js';
import { createServiceApp } from '../../platform/http/app.js';
import { enforce } from '../../platform/policy.js';
import type { ServiceModule } from '../../platform/service.js';
import type { Clients } from '../registry.js';
import { identityEdge } from '../identity-edge.js';
import { registerAclRoutes } from './api/acls.js';
import { idFromRef, type ApiDeps } from './api/common.js';
import { registerContainerRoutes } from './api/containers.js';
import { barbicanFault } from './api/faults.js';
import { registerSecretMetadataRoutes } from './api/metadata.js';
import { registerOrderRoutes } from './api/orders.js';
import { registerQuotaRoutes } from './api/quotas.js';
import { registerSecretRoutes } from './api/secrets.js';
import { registerVersionRoutes } from './api/versions.js';
import type { KeyManagerClient } from './client.js';
import { Acls } from './model/acls.js';
import { callerOf, DEFAULT_SETTINGS, type KeyManagerSettings } from './model/common.js';
import { ContainerService } from './model/containers.js';
import { ProjectKeys } from './model/kek.js';
import { OrderService } from './model/orders.js';
import { QuotaService } from './model/quotas.js';
import { SecretService } from './model/secrets.js';
import { entityTarget, keymanagerPolicy, ownTarget } from './policy.js';
import { keymanagerMigrations } from './store/migrations.js';
import type { KeyManagerTables } from './store/tables.js';

/** Payload media types a two-step `PUT /v1/secrets/{id}` carries; read as raw bytes. */
const PAYLOAD_TYPES = ['text/plain', 'application/octet-stream', 'application/pkcs8', 'application/pkix-cert', 'application/pkcs10'];

const keymanager: ServiceModule<Clients> = {
  name: 'keymanager',
  migrations: keymanagerMigrations,
  catalog: [{ type: 'key-manager', name: 'barbican', path: '' }],

  async create(ctx) {
    const settings = section<KeyManagerSettings>(ctx.config, 'keymanager', DEFAULT_SETTINGS);
    settings.quotas = { ...DEFAULT_SETTINGS.quotas, ...settings.quotas };
    const db = ctx.db.typed<KeyManagerTables>();
    const acls = new Acls(db);
    const quotas = new QuotaService(db, settings);
    const secrets = new SecretService(db, new ProjectKeys(db, ctx.masterKey), acls, quotas);
    const containers = new ContainerService(db, secrets, acls, quotas);
    const orders = new OrderService(db, secrets, containers, quotas);
    const baseUrl = () => ctx.urls.keymanager;
    const deps: ApiDeps = { secrets, containers, orders, acls, quotas, maxSecretBytes: settings.maxSecretBytes, baseUrl };

    const app = createServiceApp({
      service: 'keymanager',
      log: ctx.log,
      metrics: ctx.metrics,
      renderFault: barbicanFault(identityEdge(ctx).authUrl),
      tokens: identityEdge(ctx).tokens,
      serviceType: 'key-manager',
      // Room for a base64 payload of maxSecretBytes inside JSON.
      bodyLimit: Math.max(1024 * 1024, settings.maxSecretBytes * 2),
    });
    app.removeContentTypeParser('text/plain');
    app.addContentTypeParser(PAYLOAD_TYPES, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    // Barbican answers every response with its API version.
    app.addHook('onSend', async (_req, reply) => {
      reply.header('openstack-api-version', 'key-manager 1.0');
    });
    registerVersionRoutes(app, baseUrl);
    registerSecretRoutes(app, deps);
    registerSecretMetadataRoutes(app, deps);
    registerContainerRoutes(app, deps);
    registerAclRoutes(app, deps);
    registerOrderRoutes(app, deps);
    registerQuotaRoutes(app, deps);

    const client: KeyManagerClient = {
      async storeSecret(auth, s) {
        enforce(keymanagerPolicy, 'secrets:post', auth, ownTarget(auth));
        const row = await secrets.create(callerOf(auth), {
          name: s.name,
          secretType: s.secret_type ?? 'opaque',
          algorithm: s.algorithm,
          bitLength: s.bit_length,
          mode: s.mode,
          payload: { data: s.payload, contentType: 'application/octet-stream' },
        });
        return { id: row.id, ref: `${baseUrl()}/v1/secrets/${row.id}` };
      },
      async getSecretPayload(auth, idOrRef) {
        const { row, acl } = await secrets.find(idFromRef(idOrRef, 'secrets'));
        enforce(keymanagerPolicy, 'secret:decrypt', auth, entityTarget(auth.userId, row, acl));
        return secrets.payload(row);
      },
      async deleteSecret(auth, idOrRef) {
        const { row, acl } = await secrets.find(idFromRef(idOrRef, 'secrets'));
        enforce(keymanagerPolicy, 'secret:delete', auth, entityTarget(auth.userId, row, acl));
        await secrets.delete(row);
      },
      async getContainer(auth, idOrRef) {
        const { row, acl } = await containers.find(idFromRef(idOrRef, 'containers'));
        enforce(keymanagerPolicy, 'container:get', auth, entityTarget(auth.userId, row, acl));
        return { id: row.id, type: row.type, secret_refs: containers.refs(row).map((r) => ({ name: r.name, secret_ref: `${baseUrl()}/v1/secrets/${r.secret_id}` })) };
      },
    };

    return { app, client };
  },
};

export default keymanager;
