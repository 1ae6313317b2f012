import { fail, pass, type Check, type CheckContext } from '../testcase.js';

/** Catalog types that satisfy each scs-0123 service testcase. */
export const SERVICE_TYPES: Record<string, string[]> = {
  'scs-0123-service-compute': ['compute'],
  'scs-0123-service-identity': ['identity'],
  'scs-0123-service-image': ['image'],
  'scs-0123-service-network': ['network'],
  'scs-0123-service-load-balancer': ['load-balancer'],
  'scs-0123-service-placement': ['placement'],
  'scs-0123-storage-apis': ['block-storage', 'volumev3', 'volume'],
  'scs-0123-service-s3': ['object-store-s3', 's3'],
  'scs-0116-presence': ['key-manager'],
};

/** A service testcase: the catalog offers one of the types (on our interface and region). */
export const servicePresent =
  (testcaseId: string): Check =>
  async (ctx) => {
    const types = SERVICE_TYPES[testcaseId];
    const offered = ctx.session.serviceTypes();
    const found = types.filter((t) => offered.includes(t));
    return found.length ? pass(`catalog type ${found.join(', ')}`) : fail(`the catalog has no service of type ${types.join(' or ')}`, [`catalog types: ${offered.join(', ') || '(none)'}`]);
  };

interface Secret {
  secret_ref: string;
  name?: string | null;
}

const secretId = (s: Secret) => s.secret_ref.replace(/\/+$/, '').split('/').pop()!;

async function secretsNamed(ctx: CheckContext, name: string): Promise<Secret[]> {
  const r = await ctx.session.request('key-manager', 'GET', '/v1/secrets', { query: { name, limit: 100 } });
  return ((r.body?.secrets ?? []) as Secret[]).filter((s) => s.name === name);
}

/**
 * scs-0116-permissions: where the catalog has a key manager, a plain member creates, finds and
 * deletes a secret. No key manager: nothing to test, as the standard makes the service optional.
 */
export const keyManagerPermissions: Check = async (ctx) => {
  if (!ctx.session.endpoint('key-manager')) return pass('no key-manager in the catalog, nothing to test');
  const name = `${ctx.prefix}member-role-secret`;
  const steps: string[] = [];
  try {
    for (const old of await secretsNamed(ctx, name)) await ctx.session.request('key-manager', 'DELETE', `/v1/secrets/${secretId(old)}`);
    const created = (await ctx.session.request('key-manager', 'POST', '/v1/secrets', { body: { name, secret_type: 'opaque', payload: 'scs-conformance', payload_content_type: 'text/plain' } })).body as Secret;
    steps.push(`created ${created.secret_ref}`);
    try {
      const listed = await secretsNamed(ctx, name);
      if (!listed.some((s) => secretId(s) === secretId(created))) return fail('a member created a secret but cannot list it', steps);
      steps.push('listed it');
    } finally {
      await ctx.session.request('key-manager', 'DELETE', `/v1/secrets/${secretId(created)}`);
      steps.push('deleted it');
    }
    return pass(undefined, steps);
  } catch (e) {
    return fail(`a member cannot use the key manager: ${(e as Error).message}`, steps);
  }
};
