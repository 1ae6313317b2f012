/**
 * The layering rule of docs/architecture.md, checked on every test run: `platform` imports no
 * service, a service imports another service only through its `client.ts`, and `operations`
 * (which must work against any cloud) imports neither services nor the platform.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const SRC = resolve('src');
const files: string[] = [];
const walk = (d: string) => {
  for (const f of readdirSync(d)) {
    const p = join(d, f);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk(SRC);

const serviceOf = (p: string): string | undefined => {
  const r = relative(SRC, p).split(sep);
  return r[0] === 'services' && r.length > 2 ? r[1] : undefined;
};
const problems: string[] = [];
for (const file of files) {
  const rel = relative(SRC, file);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]/g)) {
    const target = resolve(dirname(file), m[1]);
    const trel = relative(SRC, target);
    if (rel.startsWith(`platform${sep}`) && !trel.startsWith(`platform${sep}`)) problems.push(`${rel}: platform must not import ${trel}`);
    if (rel.startsWith(`operations${sep}`) && (trel.startsWith(`services${sep}`) || trel.startsWith(`platform${sep}`))) {
      problems.push(`${rel}: operations test any cloud through its APIs and must not import ${trel}`);
    }
    const from = serviceOf(file);
    const to = serviceOf(target);
    if (from && to && from !== to && !trel.endsWith(`${sep}client.js`) && !trel.endsWith(`${sep}client.ts`)) {
      problems.push(`${rel}: service ${from} may reach ${to} only through its client.ts, not ${trel}`);
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log(`layers ok (${files.length} files)`);
