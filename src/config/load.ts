/**
 * config.yml -> the typed Cluster model. Every problem is collected (not just
 * the first) and reported with file, line and YAML path; unknown keys are
 * errors with a suggestion, variables one typo away from a known one are warnings.
 */
import { isIP } from 'node:net';
import { basename, join, resolve } from 'node:path';
import { ConfigError, type ConfigProblem } from '../errors.js';
import {
  FAILOVER_MANAGERS,
  PLATFORMS,
  POSTGRES_VERSIONS,
  ROLES,
  type Cluster,
  type DockerNetwork,
  type FailoverManagerName,
  type Instance,
  type Location,
  type Platform,
  type PostgresVersion,
  type Role,
  type Vars,
} from '../inventory/cluster.js';
import { hostnameProblem } from '../inventory/hostname.js';
import { contains, gatewayOf, ipToNumber, parseCidrLoose } from '../inventory/network.js';
import { checkInstances, type IndexedInstance } from './checks.js';
import { displayText } from '../inventory/displayText.js';
import { readConfigText } from './configText.js';
import { CONFIG_FILE } from './document.js';
import { checkVarRelations, checkVarsMapping } from './checkVars.js';
import { INSTANCE_DEFAULTS_KEYS, INSTANCE_KEYS, TOP_LEVEL_KEYS, TOP_LEVEL_ORDER, UNSUPPORTED_ROLES } from './keys.js';
import { platformKeyProblems } from './platformKeys.js';
import { YamlSource, formatPath, type YamlPath } from './source.js';
import { didYouMean } from './suggest.js';
import { readRemoved, withoutRemoved } from '../inventory/removed.js';
import { removedLines, removedWarning } from './removedLines.js';

export interface LoadResult {
  cluster: Cluster;
  /** Not errors: e.g. a variable one typo away from a known one. */
  warnings: string[];
}

/** Keys of the top level the model holds in its own fields (the rest goes to `extra`). */
const MODELLED_TOP = new Set(['architecture', 'cluster_name', 'cluster_tags', 'cluster_vars', 'locations', 'instance_defaults', 'instances']);
/** Keys of an instance the model holds in its own fields. */
const MODELLED_INSTANCE = new Set(['Name', 'node', 'location', 'role', 'upstream', 'backup', 'ip_address', 'vars']);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isRecord(v)) return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}

/** Collects problems and warnings against one YAML source. */
class Collector {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: string[] = [];
  constructor(readonly src: YamlSource) {}

  error(path: YamlPath, message: string): void {
    this.problems.push(this.src.problem(path, message));
  }

  warn(path: YamlPath, message: string): void {
    const line = this.src.line(path);
    const where = line === undefined ? this.src.file : `${this.src.file}:${line}`;
    this.warnings.push(`${where} ${displayText(formatPath(path))}: ${displayText(message)}`);
  }

  mapping(path: YamlPath, value: unknown, what: string): Record<string, unknown> | undefined {
    if (value === undefined) return undefined;
    if (isRecord(value)) return value;
    this.error(path, `expected ${what} (a mapping), found ${typeName(value)}`);
    return undefined;
  }

  string(path: YamlPath, value: unknown): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && value.length > 0) return value;
    if (typeof value === 'number') return String(value);
    this.error(path, `expected a name, found ${typeName(value)}`);
    return undefined;
  }

  /**
   * Variables: each known one checked against its spec (variables.ts); any
   * other name is accepted (users add their own), a near miss of a known one
   * with a warning.
   */
  vars(path: YamlPath, value: unknown, inInstance: boolean): Vars {
    const m = this.mapping(path, value, 'variables');
    if (!m) return {};
    const { errors, warnings } = checkVarsMapping(path, m, inInstance);
    for (const e of errors) this.error(e.path, e.message);
    for (const w of warnings) this.warn(w.path, w.message);
    return m;
  }

  unknownKeys(path: YamlPath, m: Record<string, unknown>, allowed: ReadonlySet<string>, hint: string): void {
    for (const key of Object.keys(m)) {
      if (allowed.has(key)) continue;
      const suggestion = didYouMean(key, allowed);
      this.error([...path, key], `unknown key${suggestion}${suggestion ? '' : `; ${hint}`}`);
    }
  }
}

function parseFailoverManager(c: Collector, value: unknown): FailoverManagerName | undefined {
  const path = ['cluster_vars', 'failover_manager'];
  if (value === undefined) {
    c.error(path, `missing; set it to one of ${FAILOVER_MANAGERS.join(', ')}`);
    return undefined;
  }
  if (typeof value === 'string' && (FAILOVER_MANAGERS as readonly string[]).includes(value)) return value as FailoverManagerName;
  c.error(path, `${JSON.stringify(value)} is not a failover manager${didYouMean(String(value), FAILOVER_MANAGERS)}; use one of ${FAILOVER_MANAGERS.join(', ')}`);
  return undefined;
}

function parsePostgresVersion(c: Collector, value: unknown): PostgresVersion | undefined {
  const path = ['cluster_vars', 'postgres_version'];
  if (value === undefined) {
    c.error(path, `missing; set it to one of ${POSTGRES_VERSIONS.join(', ')}`);
    return undefined;
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  if ((POSTGRES_VERSIONS as readonly number[]).includes(n)) return n as PostgresVersion;
  c.error(path, `${JSON.stringify(value)} is not a supported version; use one of ${POSTGRES_VERSIONS.join(', ')}`);
  return undefined;
}

function parseRoles(c: Collector, path: YamlPath, value: unknown): Role[] | undefined {
  if (value === undefined) {
    c.error(path.slice(0, -1), `missing role; give a list such as [primary] or [replica]`);
    return undefined;
  }
  // TPA also accepts a comma-separated string.
  const list = typeof value === 'string' ? value.split(',').map((r) => r.trim()) : value;
  if (!Array.isArray(list) || list.length === 0) {
    c.error(path, `expected a list of roles, found ${typeName(value)}`);
    return undefined;
  }
  const roles: Role[] = [];
  list.forEach((r, k) => {
    const rp = typeof value === 'string' ? path : [...path, k];
    if (typeof r !== 'string') {
      c.error(rp, `expected a role name, found ${typeName(r)}`);
    } else if ((ROLES as readonly string[]).includes(r)) {
      if (!roles.includes(r as Role)) roles.push(r as Role);
    } else if (r === 'postgres') {
      c.error(rp, 'role postgres is implied by primary, replica and witness; remove it');
    } else if (r === 'efm-witness') {
      c.error(rp, 'write role witness; it becomes an EFM witness at deploy when failover_manager is efm');
    } else if (UNSUPPORTED_ROLES.has(r)) {
      c.error(rp, `role ${r} is not supported by m1 (M1 roles: ${ROLES.join(', ')})`);
    } else {
      c.error(rp, `unknown role "${r}"${didYouMean(r, ROLES)}; M1 roles: ${ROLES.join(', ')}`);
    }
  });
  return roles;
}

function parsePlatform(c: Collector, path: YamlPath, value: unknown): Platform | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && (PLATFORMS as readonly string[]).includes(value)) return value as Platform;
  c.error(path, `${JSON.stringify(value)} is not a platform${didYouMean(String(value), PLATFORMS)}; use one of ${PLATFORMS.join(', ')}`);
  return undefined;
}

function parseDockerNetwork(c: Collector, value: unknown): DockerNetwork | undefined {
  if (value === undefined) return undefined;
  const path = ['docker_networks'];
  const first = Array.isArray(value) ? value[0] : undefined;
  const ipam = isRecord(first) && Array.isArray(first.ipam_config) ? first.ipam_config[0] : undefined;
  if (!isRecord(first) || typeof first.name !== 'string' || !isRecord(ipam) || typeof ipam.subnet !== 'string') {
    c.error(path, 'expected a list like [{name: <cluster>, ipam_config: [{subnet: 10.33.0.0/28}]}]');
    return undefined;
  }
  const cidr = parseCidrLoose(ipam.subnet);
  if (!cidr) {
    c.error([...path, 0, 'ipam_config', 0, 'subnet'], `"${ipam.subnet}" is not an IPv4 subnet such as 10.33.0.0/28`);
    return undefined;
  }
  const network: DockerNetwork = { name: first.name, subnet: ipam.subnet };
  // Checked with the other platform keys (platformKeys.ts).
  if (isRecord(first.driver_options)) network.driverOptions = Object.fromEntries(Object.entries(first.driver_options).map(([k, v]) => [k, String(v)]));
  return network;
}

function parseLocations(c: Collector, value: unknown): Location[] {
  if (value === undefined) {
    c.error(['locations'], 'missing; list the locations, e.g. [{Name: main}]');
    return [];
  }
  if (!Array.isArray(value)) {
    c.error(['locations'], `expected a list of {Name: ...}, found ${typeName(value)}`);
    return [];
  }
  const out: Location[] = [];
  value.forEach((l, k) => {
    const path = ['locations', k];
    if (!isRecord(l)) {
      c.error(path, `expected {Name: ...}, found ${typeName(l)}`);
      return;
    }
    const name = c.string([...path, 'Name'], l.Name);
    if (name === undefined) {
      if (l.Name === undefined) c.error(path, 'missing Name');
      return;
    }
    if (out.some((o) => o.name === name)) {
      c.error([...path, 'Name'], `"${name}" is listed twice; location names must be unique`);
      return;
    }
    const { Name: _n, ...extra } = l;
    out.push({ name, extra });
  });
  return out;
}

interface InstanceDefaults {
  raw: Vars;
  vars: Vars;
  platform?: Platform;
}

function parseInstanceDefaults(c: Collector, value: unknown): InstanceDefaults {
  const m = c.mapping(['instance_defaults'], value, 'instance settings');
  if (!m) return { raw: {}, vars: {} };
  c.unknownKeys(['instance_defaults'], m, INSTANCE_DEFAULTS_KEYS, 'put custom settings under vars');
  return {
    raw: m,
    vars: c.vars(['instance_defaults', 'vars'], m.vars, true),
    platform: parsePlatform(c, ['instance_defaults', 'platform'], m.platform),
  };
}

function parseInstance(
  c: Collector,
  value: unknown,
  index: number,
  defaults: InstanceDefaults,
  allowDots: boolean,
): (IndexedInstance & { platform?: Platform }) | undefined {
  const path = ['instances', index];
  if (!isRecord(value)) {
    c.error(path, `expected an instance (a mapping with Name, node, location, role), found ${typeName(value)}`);
    return undefined;
  }
  c.unknownKeys(path, value, INSTANCE_KEYS, 'put custom settings under vars');

  const name = c.string([...path, 'Name'], value.Name);
  if (value.Name === undefined) c.error(path, 'missing Name (the hostname)');
  else if (name !== undefined) {
    const problem = hostnameProblem(name, allowDots);
    if (problem) c.error([...path, 'Name'], `"${name}" ${problem}`);
  }

  let node: number | undefined;
  if (value.node === undefined) c.error(path, 'missing node (a unique number from 1)');
  else if (typeof value.node === 'number' && Number.isInteger(value.node) && value.node >= 1) node = value.node;
  else c.error([...path, 'node'], `expected a whole number from 1, found ${typeName(value.node)}`);

  const location = c.string([...path, 'location'], value.location);
  if (value.location === undefined) c.error(path, 'missing location (one of the locations Names)');

  const roles = parseRoles(c, [...path, 'role'], value.role);
  const upstream = c.string([...path, 'upstream'], value.upstream);

  let backup: string | undefined;
  if (Array.isArray(value.backup)) {
    // TPA allows a list; m1 backs each instance up to one Barman server.
    if (value.backup.length === 1) backup = c.string([...path, 'backup', 0], value.backup[0]);
    else c.error([...path, 'backup'], 'm1 supports one Barman server per instance; name one');
  } else backup = c.string([...path, 'backup'], value.backup);

  let ipAddress: string | undefined;
  if (value.ip_address !== undefined) {
    if (typeof value.ip_address === 'string' && isIP(value.ip_address) !== 0) ipAddress = value.ip_address;
    else c.error([...path, 'ip_address'], `${JSON.stringify(value.ip_address)} is not an IP address`);
  }
  for (const key of ['public_ip', 'private_ip']) {
    const v = value[key];
    if (v !== undefined && (typeof v !== 'string' || isIP(v) === 0)) c.error([...path, key], `${JSON.stringify(v)} is not an IP address`);
  }

  const ownVars = c.vars([...path, 'vars'], value.vars, true);
  const platform = parsePlatform(c, [...path, 'platform'], value.platform);
  if (name === undefined || node === undefined || location === undefined || !roles) return undefined;
  const extra: Vars = {};
  for (const [k, v] of Object.entries(value)) if (!MODELLED_INSTANCE.has(k)) extra[k] = v;
  const instance: Instance = {
    name,
    node,
    location,
    roles,
    vars: { ...defaults.vars, ...ownVars },
    ownVars: { ...ownVars },
    extra,
  };
  if (upstream !== undefined) instance.upstream = upstream;
  if (backup !== undefined) instance.backup = backup;
  if (ipAddress !== undefined) instance.ipAddress = ipAddress;
  return { index, instance, platform };
}

/** Addresses must be unique and, on docker, usable inside the cluster's subnet. */
function checkAddresses(c: Collector, all: IndexedInstance[], platform: Platform, network: DockerNetwork | undefined): void {
  const seen = new Map<string, number>();
  const cidr = network ? parseCidrLoose(network.subnet) : undefined;
  for (const { index, instance } of all) {
    const ip = instance.ipAddress;
    if (ip === undefined) continue;
    const path = ['instances', index, 'ip_address'];
    const other = seen.get(ip);
    if (other !== undefined) c.error(path, `${ip} is already the address of instances[${other}]; addresses must be unique`);
    seen.set(ip, index);
    if (platform !== 'docker') continue;
    if (!cidr) {
      c.error(path, 'a docker instance with ip_address needs docker_networks with the subnet that holds it');
      continue;
    }
    const size = 2 ** (32 - cidr.prefix);
    const base = Math.floor(cidr.address / size) * size;
    const subnet = { base, prefix: cidr.prefix };
    const n = ipToNumber(ip);
    if (!contains(subnet, ip)) c.error(path, `${ip} is outside the docker network's subnet ${network!.subnet}`);
    else if (n === base || n === base + size - 1) c.error(path, `${ip} is the network or broadcast address of ${network!.subnet}`);
    else if (ip === gatewayOf(subnet)) c.error(path, `${ip} is the gateway of ${network!.subnet}; use another address`);
  }
}

/**
 * Parses and validates config.yml's text. `file` is how problems name the
 * file; `dir` becomes cluster.dir (made absolute).
 */
export function parseConfig(text: string, options: { file: string; dir: string }): LoadResult {
  const src = new YamlSource(options.file, text);
  if (src.syntaxProblems.length > 0) throw new ConfigError(src.syntaxProblems);
  const c = new Collector(src);
  const root = src.data;
  if (!isRecord(root)) {
    throw new ConfigError([src.problem([], `expected a mapping of ${TOP_LEVEL_ORDER.slice(0, 4).join(', ')}..., found ${typeName(root)}`)]);
  }
  c.unknownKeys([], root, TOP_LEVEL_KEYS, `remove it (top-level keys: ${TOP_LEVEL_ORDER.join(', ')})`);

  if (root.architecture === undefined) c.error(['architecture'], 'missing; add architecture: M1');
  else if (root.architecture !== 'M1') c.error(['architecture'], `${JSON.stringify(root.architecture)} is not supported; m1 handles M1`);

  let name = c.string(['cluster_name'], root.cluster_name);
  if (root.cluster_name === undefined) c.error(['cluster_name'], `missing; add cluster_name: ${basename(resolve(options.dir))}`);
  else if (name !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    c.error(['cluster_name'], `"${name}" is not usable as a name (letters, digits, "_", "-", "."; not starting with a symbol)`);
    name = undefined;
  }
  const clusterTags = c.mapping(['cluster_tags'], root.cluster_tags, 'tags') ?? {};

  let clusterVars: Vars = {};
  let failoverManager: FailoverManagerName | undefined;
  let postgresVersion: PostgresVersion | undefined;
  if (root.cluster_vars === undefined) {
    c.error(['cluster_vars'], 'missing; it must set failover_manager and postgres_version');
  } else {
    clusterVars = c.vars(['cluster_vars'], root.cluster_vars, false);
    if (isRecord(root.cluster_vars)) {
      failoverManager = parseFailoverManager(c, clusterVars.failover_manager);
      postgresVersion = parsePostgresVersion(c, clusterVars.postgres_version);
      const flavour = clusterVars.postgres_flavour;
      if (flavour !== undefined && flavour !== 'postgresql') {
        c.error(['cluster_vars', 'postgres_flavour'], `${JSON.stringify(flavour)} is not supported yet; use postgresql`);
      }
    }
  }

  const locations = parseLocations(c, root.locations);
  const defaults = parseInstanceDefaults(c, root.instance_defaults);
  const dockerNetwork = parseDockerNetwork(c, root.docker_networks);

  // Instances.
  const parsed: (IndexedInstance & { platform?: Platform })[] = [];
  let rawInstances: unknown[] = [];
  if (root.instances === undefined) c.error(['instances'], 'missing; list the instances');
  else if (!Array.isArray(root.instances) || root.instances.length === 0) {
    c.error(['instances'], `expected a non-empty list of instances, found ${typeName(root.instances)}`);
  } else rawInstances = root.instances;
  const platformGuess = defaults.platform ?? 'aws';
  rawInstances.forEach((v, k) => {
    const ownPlatform = isRecord(v) && typeof v.platform === 'string' ? v.platform : platformGuess;
    const p = parseInstance(c, v, k, defaults, ownPlatform !== 'aws');
    if (p) parsed.push(p);
  });

  // One platform per cluster.
  const platforms = new Set(parsed.map((p) => p.platform ?? defaults.platform ?? 'aws'));
  let platform: Platform = defaults.platform ?? 'aws';
  if (platforms.size > 1) {
    for (const p of parsed) {
      if (p.platform !== undefined && p.platform !== platform) {
        c.error(['instances', p.index, 'platform'], `${p.platform} differs from the cluster's platform ${platform}; m1 handles one platform per cluster`);
      }
    }
  } else if (platforms.size === 1) platform = [...platforms][0]!;

  // Cross-instance checks run on every instance that has its identity; an
  // instance too broken to model is already reported and only lends its name.
  const unparsedNames = rawInstances.flatMap((v, k) =>
    !parsed.some((p) => p.index === k) && isRecord(v) && typeof v.Name === 'string' ? [v.Name] : [],
  );
  c.problems.push(
    ...checkInstances(parsed, {
      failoverManager,
      locations: locations.map((l) => l.name),
      unparsedNames: new Set(unparsedNames),
      complete: parsed.length === rawInstances.length,
      problem: (path, message) => src.problem(path, message),
    }),
  );
  checkAddresses(c, parsed, platform, dockerNetwork);
  const platformProblems = platformKeyProblems({
    platform,
    root,
    instanceDefaults: isRecord(root.instance_defaults) ? root.instance_defaults : undefined,
    instances: rawInstances,
    locations: Array.isArray(root.locations) ? root.locations : [],
  });
  for (const p of platformProblems) c.error(p.path, p.message);
  for (const f of checkVarRelations(parsed, clusterVars, defaults.vars, failoverManager)) c.error(f.path, f.message);

  if (c.problems.length > 0 || name === undefined || !failoverManager || !postgresVersion) {
    throw new ConfigError(c.problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
  }

  const extra: Vars = {};
  for (const [k, v] of Object.entries(root)) if (!MODELLED_TOP.has(k)) extra[k] = v;
  const cluster: Cluster = {
    dir: resolve(options.dir),
    name,
    architecture: 'M1',
    failoverManager,
    postgresVersion,
    platform,
    locations,
    instances: parsed.map((p) => p.instance).sort((a, b) => a.node - b.node),
    clusterVars,
    clusterTags,
    instanceDefaults: defaults.raw,
    extra,
  };
  if (dockerNetwork) cluster.dockerNetwork = dockerNetwork;
  return { cluster, warnings: c.warnings };
}

export interface LoadOptions {
  /**
   * Keep the instances m1 remove-node took out (removed.json) in the model,
   * as config.yml lists them (m1 remove-node itself, m1 validate); by default
   * they are left out, with a warning that says which lines to delete.
   */
  withRemoved?: boolean;
}

/** Reads, validates and models `<dir>/config.yml`. Throws ConfigError listing every problem. */
export async function loadCluster(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const file = join(dir, CONFIG_FILE);
  const read = await readConfigText(file, `no such file; create it with \`m1 configure ${dir} --architecture M1 ...\``);
  if ('problem' in read) throw new ConfigError([read.problem]);
  const loaded = parseConfig(read.text, { file, dir });
  if (options.withRemoved) return loaded;
  const { cluster, removed } = withoutRemoved(loaded.cluster, await readRemoved(dir));
  if (removed.length === 0) return loaded;
  const lines = removedLines(read.text, file, removed, cluster);
  const warnings = removed.map((r) => removedWarning(file, r, lines.find((l) => l.name === r.name)));
  return { cluster, warnings: [...loaded.warnings, ...warnings] };
}
