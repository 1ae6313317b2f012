import type { FastifyInstance } from 'fastify';
import { STORE_ID } from '../model/data.js';
import { importMethods } from '../model/settings.js';
import type { ImageDeps } from './deps.js';

/** `/v2/info/*`: what the interoperable import API offers here (methods and stores). */
export function registerInfoRoutes(app: FastifyInstance, d: ImageDeps): void {
  app.get('/v2/info/import', async () => ({
    'import-methods': { description: 'Import methods available.', type: 'array', value: importMethods(d.settings) },
  }));
  app.get('/v2/info/stores', async () => ({
    stores: [{ id: STORE_ID, description: d.encrypted ? 'Local disk, encrypted at rest' : 'Local disk', default: 'true' }],
  }));
}
