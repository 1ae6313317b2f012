#!/usr/bin/env -S node --initial-old-space-size=128
import { join } from 'node:path';
import { Command } from 'commander';
import { startCloud } from '../cloud.js';
import { registerConformanceCommand } from '../operations/conformance/cli.js';
import { registerFlavorNameCommands } from '../operations/flavor-name/cli.js';
import { loadConfig } from '../platform/config.js';
import { KeyRepository } from '../platform/keys.js';
import { flavorsSyncCommand } from '../services/compute/scs/command.js';
import { imagesSyncCommand } from '../services/image/scs/command.js';
import { missingServerFlags } from './node-flags.js';

const program = new Command();
program.name('scs').description('Sovereign Cloud Stack in TypeScript');

program
  .command('up')
  .description('start the all-in-one cloud in this process')
  .option('--data <dir>', 'data folder (database, keys, bytes, clouds.yaml)', process.env.SCS_DATA ?? './data')
  .option('--database <url>', 'postgres://... for scale-out (default: SQLite in the data folder)')
  .option('--config <file>', 'YAML configuration file (default: <data>/scs.yaml)')
  .option('--host <addr>', 'address to bind (default 127.0.0.1)')
  .option('--public-host <name>', 'host name in catalog URLs (default: the bind address)')
  .action(async (o: { data: string; database?: string; config?: string; host?: string; publicHost?: string }) => {
    const started = Date.now();
    const cloud = await startCloud({ dataDir: o.data, databaseUrl: o.database, configFile: o.config, host: o.host, publicHost: o.publicHost });
    for (const line of cloud.notices) console.log(line);
    const missing = missingServerFlags();
    if (missing.length) console.log(`Started without ${missing.join(' ')}: large uploads and downloads spend most of their CPU in garbage collection (see "Node flags" in the README).`);
    for (const [name, url] of Object.entries(cloud.urls)) console.log(`${name.padEnd(14)} ${url}`);
    console.log(`Cloud ready in ${Date.now() - started} ms. Try: OS_CLIENT_CONFIG_FILE=${join(cloud.config.dataDir, 'clouds.yaml')} OS_CLOUD=scs-demo openstack token issue`);
    const stop = async () => {
      await cloud.close();
      process.exit(0);
    };
    process.once('SIGINT', () => void stop());
    process.once('SIGTERM', () => void stop());
  });

const keys = program.command('keys').description('manage the token keys of the data folder');
keys
  .command('rotate')
  .description('promote the staged token key to primary and stage a new one (like keystone-manage fernet_rotate)')
  .option('--data <dir>', 'data folder', process.env.SCS_DATA ?? './data')
  .action((o: { data: string }) => {
    const config = loadConfig({ dataDir: o.data });
    const max = Number((config.services.identity?.maxActiveKeys as number | undefined) ?? 3);
    const repo = new KeyRepository(join(config.dataDir, 'keys', 'token'), max).load();
    const r = repo.rotate();
    console.log(`token keys rotated: primary is now key ${r.primary}${r.removed.length ? `, removed ${r.removed.join(', ')}` : ''}. Restart or wait for the servers to pick it up.`);
  });

const images = program.command('images').description('SCS image tooling (scs-0102 metadata, scs-0104 standard images)');
images
  .command('sync <file>')
  .description('register the images of a YAML list (create or update metadata, import bytes by web-download or from a mirror)')
  .option('--cloud <name>', 'cloud of clouds.yaml to sync into (default: $OS_CLOUD or scs-admin)')
  .option('--data <dir>', 'sync into the running cloud of this data folder (its clouds.yaml, cloud scs-admin)')
  .action(async (file: string, o: { cloud?: string; data?: string }) => {
    for (const r of await imagesSyncCommand(file, o)) console.log(`${r.name.padEnd(28)} ${r.id}  ${r.action.padEnd(9)} ${r.data}`);
  });

const flavors = program.command('flavors').description('SCS flavor tooling (scs-0103 standard flavors)');
flavors
  .command('sync <file>')
  .description('create or update the flavors of a YAML list (config/scs-flavors-mandatory.yaml, config/scs-flavors-recommended.yaml)')
  .option('--cloud <name>', 'cloud of clouds.yaml to sync into (default: $OS_CLOUD or scs-admin)')
  .option('--data <dir>', 'sync into the running cloud of this data folder (its clouds.yaml, cloud scs-admin)')
  .action(async (file: string, o: { cloud?: string; data?: string }) => {
    for (const r of await flavorsSyncCommand(file, o)) console.log(`${r.name.padEnd(20)} ${r.id}  ${r.action}`);
  });

registerConformanceCommand(program);
registerFlavorNameCommands(program);

program.parseAsync(process.argv).catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
