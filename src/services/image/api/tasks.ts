import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../../platform/errors.js';
import { isoSeconds } from '../../../platform/ids.js';
import { UUID_PATTERN } from '../model/schema.js';
import { isUuid, TASK_STATUSES, TASK_TYPES, type TaskService } from '../model/tasks.js';
import type { TaskRow } from '../store/tables.js';
import { TASK_SORT_KEYS } from '../store/tasks.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from './listing.js';

/** The fields of a task in a list (Glance's partial task schema: no input, result or message). */
function stub(t: TaskRow) {
  return {
    id: t.id,
    type: t.type,
    status: t.status,
    owner: t.owner,
    ...(t.expires_at ? { expires_at: isoSeconds(t.expires_at) } : {}),
    created_at: isoSeconds(t.created_at),
    updated_at: isoSeconds(t.updated_at),
    self: `/v2/tasks/${t.id}`,
    schema: '/v2/schemas/task',
  };
}

const full = (t: TaskRow) => ({
  ...stub(t),
  input: JSON.parse(t.input) as unknown,
  result: t.result ? (JSON.parse(t.result) as unknown) : null,
  message: t.message,
  request_id: t.request_id,
  user_id: t.user_id,
});

/** Glance's task schema (its descriptions shortened); the list schema leaves out input, result and message. */
const TASK_PROPERTIES: Record<string, object> = {
  id: { description: 'An identifier for the task', pattern: UUID_PATTERN, type: 'string' },
  type: { description: 'The type of task represented by this content', enum: TASK_TYPES, type: 'string' },
  status: { description: 'The current status of this task', enum: TASK_STATUSES, type: 'string' },
  input: { description: 'The parameters required by task, JSON blob', type: ['null', 'object'] },
  result: { description: 'The result of current task, JSON blob', type: ['null', 'object'] },
  owner: { description: 'An identifier for the owner of this task', type: 'string' },
  message: { description: 'Human-readable informative message only included when appropriate (usually on failure)', type: 'string' },
  image_id: { description: 'Image associated with the task', type: 'string' },
  request_id: { description: 'Human-readable informative request-id', type: 'string' },
  user_id: { description: 'User associated with the task', type: 'string' },
  expires_at: { description: 'Datetime when this resource would be subject to removal', type: ['null', 'string'] },
  created_at: { description: 'Datetime when this resource was created', type: 'string' },
  updated_at: { description: 'Datetime when this resource was updated', type: 'string' },
  self: { readOnly: true, type: 'string' },
  schema: { readOnly: true, type: 'string' },
};
const taskSchema = () => ({ name: 'task', properties: TASK_PROPERTIES, additionalProperties: false });
function tasksSchema() {
  const { input: _i, result: _r, message: _m, ...partial } = TASK_PROPERTIES;
  return {
    name: 'tasks',
    properties: { tasks: { type: 'array', items: { name: 'task', properties: partial, additionalProperties: false } }, first: { type: 'string' }, next: { type: 'string' }, schema: { type: 'string' } },
    links: [
      { rel: 'first', href: '{first}' },
      { rel: 'next', href: '{next}' },
      { rel: 'describedby', href: '{schema}' },
    ],
  };
}

type Query = Record<string, string | string[] | undefined>;
const one = (q: Query, k: string) => {
  const v = q[k];
  return Array.isArray(v) ? v[v.length - 1] : v;
};

/** `/v2/tasks`: Glance's legacy tasks API (admins only, as Glance's `tasks_api_access`). */
export function registerTaskRoutes(app: FastifyInstance, tasks: TaskService): void {
  app.get('/v2/schemas/task', async () => taskSchema());
  app.get('/v2/schemas/tasks', async () => tasksSchema());

  app.post('/v2/tasks', async (req, reply) => {
    const task = await tasks.create(req.auth, req.body, req.id);
    reply.code(201).header('location', `/v2/tasks/${task.id}`);
    return full(task);
  });

  app.get<{ Querystring: Query }>('/v2/tasks', async (req) => {
    const q = req.query;
    const sortDir = one(q, 'sort_dir') ?? 'desc';
    if (sortDir !== 'asc' && sortDir !== 'desc') throw badRequest(`Invalid sort direction: ${sortDir}`);
    const sortKey = one(q, 'sort_key') ?? 'created_at';
    if (!(TASK_SORT_KEYS as readonly string[]).includes(sortKey)) throw badRequest(`Unknown sort key: ${sortKey}`);
    const status = one(q, 'status');
    if (status && !TASK_STATUSES.includes(status)) throw badRequest(`Invalid status value: ${status}`);
    const type = one(q, 'type');
    if (type && type !== 'import') throw badRequest(`Invalid type value: ${type}`);
    const marker = one(q, 'marker');
    if (marker !== undefined && !isUuid(marker)) throw badRequest('Invalid marker format');
    const limitRaw = one(q, 'limit');
    if (limitRaw !== undefined && !/^-?\d+$/.test(limitRaw)) throw badRequest('limit param must be an integer');
    if (limitRaw !== undefined && Number(limitRaw) < 0) throw badRequest('limit param must be positive');
    const limit = Math.min(limitRaw === undefined ? DEFAULT_LIMIT : Number(limitRaw), MAX_LIMIT);
    const rows = await tasks.list(req.auth, { sortKey: sortKey as (typeof TASK_SORT_KEYS)[number], sortDir, status, type, limit, marker });
    // Every parameter but the marker is kept in `first` and `next`, as Glance builds them.
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (k !== 'marker') for (const x of [v ?? []].flat()) params.append(k, x);
    const query = params.toString();
    const body: Record<string, unknown> = { tasks: rows.map(stub), first: query ? `/v2/tasks?${query}` : '/v2/tasks', schema: '/v2/schemas/tasks' };
    if (rows.length && rows.length === limit) {
      params.append('marker', rows[rows.length - 1].id);
      body.next = `/v2/tasks?${params.toString()}`;
    }
    return body;
  });

  app.get<{ Params: { id: string } }>('/v2/tasks/:id', async (req) => full(await tasks.get(req.auth, req.params.id)));

  app.delete<{ Params: { id: string } }>('/v2/tasks/:id', async (req, reply) => {
    reply.header('allow', 'GET');
    return tasks.refuseDelete(req.auth);
  });
}
