/**
 * Node flags the server should run with. V8 reads them only at start-up, so `npm start`, the
 * `scs` shebang and the benchmarks pass them on the command line (NODE_OPTIONS refuses them).
 *
 * `--initial-old-space-size`: V8 sets the old generation's limit just above the live heap after
 * each full GC. Once a server has answered many small requests, streaming large bodies (64 KiB
 * buffers for sockets, AES-GCM and files) then started a full mark-compact every ~30 ms under
 * external-memory pressure: 3-4x the CPU per large object (bench/s3.ts, 1 instead of ~150
 * mark-compacts with the flag). 128 MB of old space before the first limit costs nothing until used.
 */
export const SERVER_NODE_FLAGS = ['--initial-old-space-size=128'];

/** The server flags this process was started without. */
export const missingServerFlags = (): string[] => SERVER_NODE_FLAGS.filter((f) => !process.execArgv.includes(f));
