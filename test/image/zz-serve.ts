import { startTestCloud } from '../helpers/cloud.js';
import { writeFileSync } from 'node:fs';
const cloud = await startTestCloud({ only: ['identity', 'image'], logLevel: 'warn' });
writeFileSync('/tmp/imgdev/clouds', cloud.cloudsYaml);
console.log('ready', cloud.cloudsYaml, cloud.urls.image);
setInterval(() => {}, 1000);
