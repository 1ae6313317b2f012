import type { FastifyInstance, FastifyRequest } from 'fastify';
import { isObj, type Obj } from '../../../platform/http/validate.js';
import { enforce } from '../../../platform/policy.js';
import { nBadRequest, nNotFound } from '../model/errors.js';
import { RULE_TYPES, type QosPolicies } from '../model/qos.js';
import { networkPolicy } from '../policy.js';
import { fieldsOf, listResponse, pick, type RawQuery } from './listing.js';

type RuleReq = FastifyRequest<{ Params: { policy: string; id: string } }>;

function ruleBody(body: unknown, key: string): Obj {
  const inner = isObj(body) ? body[key] : undefined;
  if (!isObj(inner)) throw nBadRequest('HTTPBadRequest', `Resource body required: '${key}' is missing or not an object.`);
  return inner;
}

/**
 * QoS rule sub-resources (`/v2.0/qos/policies/{policy}/{type}_rules`) and the rule types. The
 * policies themselves are an ordinary collection (`qos/policies`).
 */
export function registerQosRoutes(app: FastifyInstance, qos: QosPolicies, baseUrl: () => string): void {
  for (const type of Object.keys(RULE_TYPES)) {
    const singular = `${type}_rule`;
    const base = `/v2.0/qos/policies/:policy/${type}_rules`;
    const listed = { plural: `${type}_rules`, attributes: ['max_kbps', 'max_burst_kbps', 'direction', 'dscp_mark', 'min_kbps', 'min_kpps'] };
    app.get(base, async (req: RuleReq) => {
      enforce(networkPolicy, `get_policy_${singular}`, req.auth);
      return listResponse(listed, await qos.rules(req.auth, req.params.policy, type), req.query as RawQuery, `${baseUrl()}${req.url}`);
    });
    app.get(`${base}/:id`, async (req: RuleReq) => {
      enforce(networkPolicy, `get_policy_${singular}`, req.auth);
      return { [singular]: pick(await qos.showRule(req.auth, req.params.policy, type, req.params.id), fieldsOf(req.query as RawQuery)) };
    });
    app.post(base, async (req: RuleReq, reply) => {
      enforce(networkPolicy, `create_policy_${singular}`, req.auth);
      const created = await qos.createRule(req.auth, req.params.policy, type, ruleBody(req.body, singular));
      reply.code(201);
      return { [singular]: created };
    });
    // A rule of a policy the caller cannot see is not found, before the (admin-only) policy check.
    app.put(`${base}/:id`, async (req: RuleReq) => {
      await qos.showRule(req.auth, req.params.policy, type, req.params.id);
      enforce(networkPolicy, `update_policy_${singular}`, req.auth);
      return { [singular]: await qos.updateRule(req.auth, req.params.policy, type, req.params.id, ruleBody(req.body, singular)) };
    });
    app.delete(`${base}/:id`, async (req: RuleReq, reply) => {
      await qos.showRule(req.auth, req.params.policy, type, req.params.id);
      enforce(networkPolicy, `delete_policy_${singular}`, req.auth);
      await qos.removeRule(req.auth, req.params.policy, type, req.params.id);
      reply.code(204);
    });
  }
  app.get('/v2.0/qos/rule-types', async (req) => {
    enforce(networkPolicy, 'get_rule_type', req.auth);
    return { rule_types: Object.keys(RULE_TYPES).map((type) => ({ type })) };
  });
  // qos-rule-type-details: no back-end driver applies the rules, so none is named.
  app.get('/v2.0/qos/rule-types/:id', async (req: FastifyRequest<{ Params: { id: string } }>) => {
    enforce(networkPolicy, 'get_rule_type', req.auth);
    if (!(req.params.id in RULE_TYPES)) throw nNotFound('QosRuleTypeNotFound', `QoS rule type ${req.params.id} could not be found.`);
    return { rule_type: { type: req.params.id, drivers: [] } };
  });
}
