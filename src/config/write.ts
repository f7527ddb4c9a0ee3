/**
 * config.yml as TPA writes it (reference 2.7): top-level keys in TPA's order,
 * nested keys sorted, lists flush with their key, a blank line between sections.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { M1Error } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { Cluster, Instance, Vars } from '../inventory/cluster.js';
import { makeDirectory, writeFileAtomic } from '../inventory/localFiles.js';
import { CONFIG_FILE, type ConfigDocument, type ConfigInstance } from './document.js';
import { TOP_LEVEL_ORDER } from './keys.js';

/**
 * Groups written without blank lines inside: the head with the top-level
 * settings, and the platform settings (TPA renders each as one block).
 */
const HEAD_KEYS = new Set(['architecture', 'cluster_name', 'cluster_tags', 'keyring_backend', 'vault_name', 'compliance', 'use_ssh_agent', 'forward_ssh_agent']);
const PLATFORM_KEYS = new Set(['docker_networks', 'docker_images', 'cluster_rules', 'ec2_ami', 'ec2_ami_user', 'ec2_instance_reachability', 'ec2_vpc', 'ec2_vpc_subnets']);

/** Nested mappings sorted by key (code-point order, like Python's sort: "Name" before "backup"). */
function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortDeep(v);
    }
    return out;
  }
  return value;
}

/** The text of config.yml for a document. */
export function renderConfig(doc: ConfigDocument): string {
  const known = TOP_LEVEL_ORDER as readonly string[];
  const keys = Object.keys(doc).filter((k) => doc[k] !== undefined);
  // Keys TPA does not order (none m1 accepts) go just before cluster_vars.
  const others = keys.filter((k) => !known.includes(k));
  const order = [...known.slice(0, known.indexOf('cluster_vars')), ...others, ...known.slice(known.indexOf('cluster_vars'))];
  let out = '---\n';
  let previous = '';
  for (const key of order) {
    if (!keys.includes(key)) continue;
    const sameGroup = (HEAD_KEYS.has(key) && HEAD_KEYS.has(previous)) || (PLATFORM_KEYS.has(key) && PLATFORM_KEYS.has(previous));
    if (previous !== '' && !sameGroup) out += '\n';
    previous = key;
    // YAML 1.1, as TPA (PyYAML) reads it: strings like 'on' or '16' get quoted.
    out += stringify({ [key]: sortDeep(doc[key]) }, { indentSeq: false, singleQuote: true, lineWidth: 0, version: '1.1' });
  }
  return out;
}

function instanceToDocument(cluster: Cluster, i: Instance): ConfigInstance {
  const defaults = (cluster.instanceDefaults.vars ?? {}) as Vars;
  // Without ownVars (a model built in code), write what differs from instance_defaults.
  const own =
    i.ownVars ??
    Object.fromEntries(Object.entries(i.vars).filter(([k, v]) => JSON.stringify(defaults[k]) !== JSON.stringify(v)));
  const out: ConfigInstance = { ...i.extra, Name: i.name, node: i.node, location: i.location, role: [...i.roles] };
  if (i.upstream !== undefined) out.upstream = i.upstream;
  if (i.backup !== undefined) out.backup = i.backup;
  if (i.ipAddress !== undefined) out.ip_address = i.ipAddress;
  if (Object.keys(own).length > 0) out.vars = { ...own };
  return out;
}

/** The document for a Cluster model (the inverse of loading it). */
export function clusterToDocument(cluster: Cluster): ConfigDocument {
  const vars: Vars = { ...cluster.clusterVars };
  // The model's typed fields win; keep the file's spelling when it says the same.
  if (vars.failover_manager !== cluster.failoverManager) vars.failover_manager = cluster.failoverManager;
  if (Number(vars.postgres_version) !== cluster.postgresVersion) vars.postgres_version = String(cluster.postgresVersion);

  const defaults: Vars = { ...cluster.instanceDefaults };
  if (defaults.platform !== undefined ? defaults.platform !== cluster.platform : cluster.platform !== 'aws') {
    defaults.platform = cluster.platform;
  }

  const extra: Vars = { ...cluster.extra };
  if (cluster.dockerNetwork) {
    const { name, subnet } = cluster.dockerNetwork;
    const old = Array.isArray(extra.docker_networks) ? (extra.docker_networks as Record<string, unknown>[]) : [];
    const first = old[0] ?? {};
    const ipam = Array.isArray(first.ipam_config) ? (first.ipam_config as Record<string, unknown>[]) : [];
    extra.docker_networks = [{ ...first, name, ipam_config: [{ ...(ipam[0] ?? {}), subnet }, ...ipam.slice(1)] }, ...old.slice(1)];
  }

  return {
    ...extra,
    architecture: 'M1',
    cluster_name: cluster.name,
    cluster_tags: { ...cluster.clusterTags },
    cluster_vars: vars,
    locations: cluster.locations.map((l) => ({ ...l.extra, Name: l.name })),
    instance_defaults: defaults,
    instances: cluster.instances.map((i) => instanceToDocument(cluster, i)),
  };
}

export interface WriteOptions {
  /** Replace an existing config.yml (atomically). Default false: refuse. */
  overwrite?: boolean;
}

function isCluster(c: ConfigDocument | Cluster): c is Cluster {
  return 'failoverManager' in c && 'dir' in c;
}

/**
 * Writes `<dir>/config.yml` (creating `dir`) from a document or a Cluster.
 * Never replaces an existing file unless asked to. Returns the file's path.
 */
export async function writeConfig(dir: string, config: ConfigDocument | Cluster, options: WriteOptions = {}): Promise<string> {
  const text = renderConfig(isCluster(config) ? clusterToDocument(config) : config);
  const file = join(dir, CONFIG_FILE);
  await makeDirectory(dir, { fix: 'choose another cluster directory' });
  try {
    await writeFileAtomic(file, text, { mode: 0o644, exclusive: !options.overwrite });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new M1Error(`${file} already exists; m1 never overwrites a config.yml (edit it, or choose another directory)`, ExitCode.BadInput);
    }
    throw err;
  }
  return file;
}
