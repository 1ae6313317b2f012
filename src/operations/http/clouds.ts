import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The auth section of one clouds.yaml entry (the keys openstacksdk reads). */
export interface CloudAuth {
  auth_url: string;
  username?: string;
  user_id?: string;
  password?: string;
  user_domain_name?: string;
  user_domain_id?: string;
  project_name?: string;
  project_id?: string;
  project_domain_name?: string;
  project_domain_id?: string;
  application_credential_id?: string;
  application_credential_name?: string;
  application_credential_secret?: string;
}

/** One cloud of clouds.yaml, with the settings this client honours. */
export interface CloudEntry {
  name: string;
  auth: CloudAuth;
  auth_type?: string;
  region_name?: string;
  interface?: string;
  /** Where the entry came from (for messages). */
  file: string;
}

/**
 * The files openstacksdk searches, in its order: $OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
 * ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml.
 */
export function cloudsYamlCandidates(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string[] {
  const files: string[] = [];
  if (env.OS_CLIENT_CONFIG_FILE) files.push(env.OS_CLIENT_CONFIG_FILE);
  files.push(join(cwd, 'clouds.yaml'), join(env.HOME ?? homedir(), '.config', 'openstack', 'clouds.yaml'), '/etc/openstack/clouds.yaml');
  return files;
}

/** Reads cloud `name` from the first clouds.yaml that defines it (merging secure.yaml next to it). */
export function loadCloud(name: string, files: string[] = cloudsYamlCandidates()): CloudEntry {
  const searched: string[] = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    searched.push(file);
    const doc = parseYaml(readFileSync(file, 'utf8')) as { clouds?: Record<string, Record<string, unknown>> } | null;
    const entry = doc?.clouds?.[name];
    if (!entry) continue;
    const secureFile = join(file, '..', 'secure.yaml');
    const secure = existsSync(secureFile) ? ((parseYaml(readFileSync(secureFile, 'utf8')) as { clouds?: Record<string, Record<string, unknown>> } | null)?.clouds?.[name] ?? {}) : {};
    const auth = { ...(entry.auth as object), ...((secure.auth as object) ?? {}) } as CloudAuth;
    if (!auth.auth_url) throw new Error(`cloud ${name} in ${file} has no auth.auth_url`);
    return {
      name,
      auth,
      auth_type: (secure.auth_type ?? entry.auth_type) as string | undefined,
      region_name: (entry.region_name as string | undefined) ?? undefined,
      interface: (entry.interface as string | undefined) ?? undefined,
      file,
    };
  }
  throw new Error(
    searched.length ? `cloud ${name} is not defined in ${searched.join(', ')}` : `no clouds.yaml found (looked for ${files.join(', ')}); set OS_CLIENT_CONFIG_FILE`,
  );
}
