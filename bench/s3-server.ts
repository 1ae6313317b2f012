/**
 * Child process of `bench/s3.ts`: either the cloud (identity + object store, encryption at rest
 * on) or, with argument `ref`, a bare node:http server answering 4 KiB from memory. Talks to the
 * parent over IPC: its URL, EC2 keys, `process.cpuUsage()` on request, and seeding of listing rows.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestCloud } from '../test/helpers/cloud.js';
import { ec2Keys } from '../test/objectstore/helpers.js';

type Msg = { cmd: 'cpu' } | { cmd: 'stop' } | { cmd: 'seed'; bucket: string; count: number };
const reply = (m: unknown) => process.send!(m);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

if (process.argv[2] === 'ref') {
  const body = Buffer.alloc(4096, 'r');
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': body.length });
    res.end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', () => reply({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }));
  process.on('message', (m: Msg) => {
    if (m.cmd === 'cpu') reply({ cpu: cpu() });
    if (m.cmd === 'stop') server.close(() => process.exit(0));
  });
} else {
  const cloud = await startTestCloud({ only: ['identity', 'objectstore'], logLevel: 'warn' });
  const keys = await ec2Keys(cloud, 'demo', cloud.passwords.demo, 'demo');
  reply({ url: cloud.urls.objectstore, keys });
  process.on('message', async (m: Msg) => {
    if (m.cmd === 'cpu') reply({ cpu: cpu() });
    if (m.cmd === 'stop') {
      await cloud.close();
      process.exit(0);
    }
    if (m.cmd === 'seed') {
      // Zero-byte objects straight into the metadata table: the listing benchmark measures
      // listing, and 100,000 PUTs would only repeat the small-object figures at length.
      const db = cloud.ctx.db.kysely;
      const now = new Date().toISOString();
      for (let i = 0; i < m.count; i += 1000) {
        const rows = Array.from({ length: Math.min(1000, m.count - i) }, (_, j) => {
          const n = i + j;
          const key = `dir${String(n % 100).padStart(2, '0')}/obj${String(n).padStart(6, '0')}`;
          return {
            id: `seed${String(n).padStart(12, '0')}`, bucket: m.bucket, key, version_id: 'null', is_latest: 1, delete_marker: 0, size: 0,
            etag: '"d41d8cd98f00b204e9800998ecf8427e"', last_modified: now, owner_user_id: 'bench', content_type: 'binary/octet-stream',
            headers: '{}', meta: '{}', tags: '{}', checksum: null, segments: '[]', sse_c_md5: null, encrypted: 0, parts_count: 0,
            lock_mode: null, lock_until: null, legal_hold: 0,
          };
        });
        await db.insertInto('s3_objects').values(rows).execute();
      }
      reply({ seeded: m.count });
    }
  });
}
