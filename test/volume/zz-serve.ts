import { writeFileSync } from 'node:fs';
import { startTestCloud } from '../helpers/cloud.js';
const c = await startTestCloud({ only: ['identity', 'image', 'volume'] });
writeFileSync('/tmp/vol-cloud.json', JSON.stringify({ yaml: c.cloudsYaml, urls: c.urls }));
process.on('SIGTERM', async () => { await c.close(); process.exit(0); });
setInterval(() => {}, 1000);
