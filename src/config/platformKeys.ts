/**
 * The platform keys of config.yml: what TPA writes or reads for docker (its
 * platforms/docker: the instance keys its docker_container task passes to
 * Docker, docker_networks, docker_images) and for aws. On a cluster of one
 * platform, each key of that platform is either honoured by m1's platform
 * code or rejected by name with its fix; a key of another platform is
 * rejected. Nothing is silently ignored.
 *
 * Docker instance keys are read from the instance, else from
 * instance_defaults (the instance's value replaces the default's, lists
 * too), and become a typed DockerSettings that the docker platform turns
 * into the Engine API's create options.
 */
import type { Cluster, Instance, Platform } from '../inventory/cluster.js';
import type { YamlPath } from './source.js';

export interface KeyProblem {
  path: YamlPath;
  message: string;
}

export type RestartPolicy = 'no' | 'always' | 'on-failure' | 'unless-stopped';

export interface PortBinding {
  /** `5432/tcp`. */
  port: string;
  hostIp?: string;
  hostPort?: string;
}

export interface Device {
  pathOnHost: string;
  pathInContainer: string;
  permissions: string;
}

export interface Ulimit {
  name: string;
  soft: number;
  hard: number;
}

/** What the docker keys of one instance ask for, parsed. Empty lists and maps when unset. */
export interface DockerSettings {
  restartPolicy: RestartPolicy;
  /** Bytes. */
  memory?: number;
  memoryReservation?: number;
  shmSize?: number;
  env: Record<string, string>;
  logDriver?: string;
  logOptions: Record<string, string>;
  /** `5432/tcp`. */
  exposedPorts: string[];
  publishedPorts: PortBinding[];
  devices: Device[];
  sysctls: Record<string, string>;
  ulimits: Ulimit[];
  /** Upper case, without CAP_. */
  capAdd: string[];
  capDrop: string[];
  securityOpts: string[];
  /** `source:target[:options]`. */
  volumes: string[];
  /** cluster_tags, then the instance's tags. */
  labels: Record<string, string>;
}

/** What m1 gives every host and a config may not take away or override. */
export const SYSTEMD_CAPABILITIES = ['SYS_ADMIN', 'NET_ADMIN'] as const;
const RESERVED_ENV = 'container';
const RESERVED_LABEL_PREFIX = 'm1.';

type Parsed<T> = { value: T } | { problem: string };

const ok = <T>(value: T): Parsed<T> => ({ value });
const bad = (problem: string): Parsed<never> => ({ problem });
const shown = (v: unknown) => JSON.stringify(v) ?? String(v);

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A list whose every item parses; the first bad item is the problem. */
function listOf<T>(what: string, item: (v: unknown) => Parsed<T>): (v: unknown) => Parsed<T[]> {
  return (v) => {
    if (!Array.isArray(v)) return bad(`expected a list of ${what}, found ${shown(v)}`);
    const out: T[] = [];
    for (const [k, x] of v.entries()) {
      const p = item(x);
      if ('problem' in p) return bad(`item ${k}: ${p.problem}`);
      out.push(p.value);
    }
    return ok(out);
  };
}

/** A mapping of names (matching `name`) to scalars, as text. */
function mapOf(what: string, name: RegExp, check?: (key: string) => string | undefined): (v: unknown) => Parsed<Record<string, string>> {
  return (v) => {
    if (!isMapping(v)) return bad(`expected a mapping of ${what}, found ${shown(v)}`);
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v)) {
      if (!name.test(k)) return bad(`${shown(k)} is not a ${what.replace(/s? to .*$/, '')} name`);
      const why = check?.(k);
      if (why) return bad(why);
      const text = scalarText(x);
      if (text === undefined) return bad(`${k}: expected a single value, found ${shown(x)}`);
      out[k] = text;
    }
    return ok(out);
  };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50 };

/** Docker's sizes (and Ansible's): bytes, or a number with B, K, M, G, T or P (powers of 1024; `2g`, `512MB`). */
export function parseSize(v: unknown): Parsed<number> {
  if (typeof v === 'number' && Number.isInteger(v) && v > 0) return ok(v);
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*([bkmgtp]?)b?\s*$/i.exec(v) : null;
  const bytes = m ? Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!) : 0;
  if (!m || bytes <= 0) return bad(`${shown(v)} is not a size (bytes, or a number with B, K, M, G, T or P, e.g. 2g)`);
  return ok(bytes);
}

function portNumber(text: string): boolean {
  return /^\d{1,5}$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** `5432`, `5432/tcp`, `53/udp` -> `5432/tcp`. */
function parsePort(v: unknown): Parsed<string> {
  const text = scalarText(v) ?? '';
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(text);
  if (!m || !portNumber(m[1]!)) return bad(`${shown(v)} is not a port (5432, or 5432/tcp, 53/udp)`);
  return ok(`${m[1]}/${m[2] ?? 'tcp'}`);
}

/** Docker's -p forms with one port each: `80`, `8080:80`, `127.0.0.1:8080:80`, `127.0.0.1::80`, each with an optional /udp. */
function parsePublished(v: unknown): Parsed<PortBinding> {
  const text = scalarText(v) ?? '';
  const [spec, proto, ...more] = text.split('/');
  const parts = (spec ?? '').split(':');
  const why = `${shown(v)} is not a published port ([address:][host port:]container port[/udp], one port each)`;
  if (more.length > 0 || (proto !== undefined && !['tcp', 'udp', 'sctp'].includes(proto)) || parts.length > 3) return bad(why);
  const container = parts.at(-1)!;
  const hostPort = parts.length >= 2 ? parts.at(-2)! : undefined;
  const hostIp = parts.length === 3 ? parts[0]! : undefined;
  if (!portNumber(container) || (hostPort !== undefined && hostPort !== '' && !portNumber(hostPort))) return bad(why);
  if (hostIp !== undefined && !/^\d{1,3}(\.\d{1,3}){3}$/.test(hostIp)) return bad(why);
  const binding: PortBinding = { port: `${container}/${proto ?? 'tcp'}` };
  if (hostIp) binding.hostIp = hostIp;
  if (hostPort) binding.hostPort = hostPort;
  return ok(binding);
}

/** `/dev/x`, `/dev/x:/dev/y`, `/dev/x:/dev/y:rwm`. */
function parseDevice(v: unknown): Parsed<Device> {
  const parts = typeof v === 'string' ? v.split(':') : [];
  const [host, inside, perms] = parts;
  const why = `${shown(v)} is not a device (/dev/x[:/dev/y[:rwm]])`;
  if (parts.length < 1 || parts.length > 3 || !host?.startsWith('/')) return bad(why);
  if ((inside !== undefined && !inside.startsWith('/')) || (perms !== undefined && !/^[rwm]+$/.test(perms))) return bad(why);
  return ok({ pathOnHost: host, pathInContainer: inside ?? host, permissions: perms ?? 'rwm' });
}

/** `nofile:1024:2048` or `nofile:1024` (soft = hard); -1 is unlimited. */
function parseUlimit(v: unknown): Parsed<Ulimit> {
  const m = typeof v === 'string' ? /^([a-z]+):(-1|\d+)(?::(-1|\d+))?$/.exec(v) : null;
  if (!m) return bad(`${shown(v)} is not a ulimit (name:soft[:hard], e.g. nofile:1024:2048)`);
  return ok({ name: m[1]!, soft: Number(m[2]), hard: Number(m[3] ?? m[2]) });
}

/** `sys_time`, `SYS_TIME`, `CAP_SYS_TIME` -> `SYS_TIME`. */
function parseCapability(v: unknown): Parsed<string> {
  if (typeof v !== 'string' || !/^(cap_)?[a-z_]+$/i.test(v)) return bad(`${shown(v)} is not a capability name (e.g. sys_time)`);
  return ok(v.toUpperCase().replace(/^CAP_/, ''));
}

function parseVolume(v: unknown): Parsed<string> {
  if (isMapping(v)) {
    return bad('a volume on docker is a bind mount or named volume written source:target[:options] (this one is an aws volume)');
  }
  const parts = typeof v === 'string' ? v.split(':') : [];
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1]!.startsWith('/')) {
    return bad(`${shown(v)} is not a volume (source:target[:options], the target an absolute path)`);
  }
  return ok(v as string);
}

const labelsOf = mapOf('labels to values', /^[A-Za-z0-9][A-Za-z0-9_.\-/]*$/, (k) =>
  k.startsWith(RESERVED_LABEL_PREFIX) ? `${k}: labels starting with ${RESERVED_LABEL_PREFIX} are m1's own (they say which cluster a container belongs to)` : undefined,
);

function nonEmptyString(v: unknown): Parsed<string> {
  return typeof v === 'string' && v !== '' ? ok(v) : bad(`expected a name, found ${shown(v)}`);
}

type Honoured = { parse: (v: unknown) => Parsed<unknown>; apply: (s: DockerSettings, value: never) => void };
type Rejected = { fix: string };
export type KeySpec = Honoured | Rejected;

const honour = <T>(parse: (v: unknown) => Parsed<T>, apply: (s: DockerSettings, value: T) => void): Honoured => ({
  parse,
  apply: apply as (s: DockerSettings, value: never) => void,
});

const NO_SOURCE_BUILDS = "m1 installs from the distribution's packages and never builds from source: remove it";

/**
 * TPA's docker instance keys (platforms/docker/validate.yml lists them), in
 * its order. `image` is honoured by the platform itself (imageName.ts maps
 * TPA's names); `ip_address` and `platform` are the model's.
 */
export const DOCKER_INSTANCE_KEYS: Readonly<Record<string, KeySpec>> = {
  image: honour(nonEmptyString, () => {}),
  privileged: honour(
    (v) =>
      v === false || v === 'no' || v === 'false'
        ? ok(false)
        : bad(
            `m1 never runs a host privileged (systemd needs only ${SYSTEMD_CAPABILITIES.join(' and ')}, which m1 adds): remove privileged, and add what a host needs with docker_cap_add`,
          ),
    () => {},
  ),
  restart_policy: honour(
    (v) => {
      const p = v === false ? 'no' : v;
      return p === 'no' || p === 'always' || p === 'on-failure' || p === 'unless-stopped'
        ? ok(p as RestartPolicy)
        : bad(`${shown(v)} is not a restart policy (no, always, on-failure, unless-stopped)`);
    },
    (s, v) => (s.restartPolicy = v),
  ),
  memory: honour(parseSize, (s, v) => (s.memory = v)),
  memory_reservation: honour(parseSize, (s, v) => (s.memoryReservation = v)),
  shm_size: honour(parseSize, (s, v) => (s.shmSize = v)),
  env_file: { fix: 'm1 reads no env files for containers: list the variables under env instead' },
  env: honour(
    mapOf('variables to values', /^[A-Za-z_][A-Za-z0-9_]*$/, (k) =>
      k === RESERVED_ENV ? `${RESERVED_ENV}: m1 sets container=docker itself (systemd needs it)` : undefined,
    ),
    (s, v) => (s.env = v),
  ),
  log_driver: honour(nonEmptyString, (s, v) => (s.logDriver = v)),
  log_options: honour(mapOf('options to values', /^[A-Za-z0-9][A-Za-z0-9_.-]*$/), (s, v) => (s.logOptions = v)),
  exposed_ports: honour(listOf('ports', parsePort), (s, v) => (s.exposedPorts = v)),
  published_ports: honour(listOf('published ports', parsePublished), (s, v) => (s.publishedPorts = v)),
  devices: honour(listOf('devices', parseDevice), (s, v) => (s.devices = v)),
  networks: { fix: "m1 attaches every host to the cluster's network (docker_networks) at its ip_address: remove networks" },
  sysctls: honour(mapOf('kernel settings to values', /^[a-z0-9_][a-z0-9_.\-/]*$/), (s, v) => (s.sysctls = v)),
  ulimits: honour(listOf('ulimits', parseUlimit), (s, v) => (s.ulimits = v)),
  local_source_directories: { fix: NO_SOURCE_BUILDS },
  docker_security_opts: honour(listOf('security options', nonEmptyString), (s, v) => (s.securityOpts = v)),
  docker_cap_add: honour(listOf('capabilities', parseCapability), (s, v) => (s.capAdd = v)),
  docker_cap_drop: honour(
    (v) => {
      const p = listOf('capabilities', parseCapability)(v);
      if ('problem' in p) return p;
      const kept = p.value.find((c) => c === 'ALL' || (SYSTEMD_CAPABILITIES as readonly string[]).includes(c));
      return kept === undefined
        ? p
        : bad(`${kept}: systemd and sshd need ${kept === 'ALL' ? 'more than m1 adds back' : kept} on every host; drop single capabilities other than ${SYSTEMD_CAPABILITIES.join(' and ')}`);
    },
    (s, v) => (s.capDrop = v),
  ),
  // Not TPA's (its configure option --shared-ccache becomes local_source_directories), accepted by m1's loader before.
  shared_ccache: { fix: NO_SOURCE_BUILDS },
  // Keys every platform has that docker reads its own way.
  volumes: honour(listOf('volumes', parseVolume), (s, v) => (s.volumes = v)),
  tags: honour(labelsOf, (s, v) => (s.labels = { ...s.labels, ...v })),
};

/** aws keys: the aws platform's (TPA's platforms/aws). */
export const AWS_INSTANCE_KEYS: readonly string[] = ['type', 'region', 'az', 'subnet', 'assign_public_ip', 'ec2_ami', 'default_volumes'];
export const AWS_TOP_LEVEL_KEYS: readonly string[] = ['cluster_rules', 'ec2_ami', 'ec2_ami_user', 'ec2_instance_reachability', 'ec2_vpc', 'ec2_vpc_subnets'];
export const AWS_LOCATION_KEYS: readonly string[] = ['region', 'az', 'subnet'];
export const DOCKER_TOP_LEVEL_KEYS: readonly string[] = ['docker_networks', 'docker_images'];

/** Keys both platforms read (each its own way): not docker-only. */
const SHARED_INSTANCE_KEYS = new Set(['volumes', 'tags']);
const DOCKER_ONLY_INSTANCE_KEYS = Object.keys(DOCKER_INSTANCE_KEYS).filter((k) => !SHARED_INSTANCE_KEYS.has(k));

const DOCKER_IMAGES_FIX =
  "m1 builds only its own images (m1/debian:<release>, which it also runs for TPA's tpa/debian:<version>) and uses any other image the engine has: build yours with docker build, name it in image, and remove docker_images";

/** docker_networks: one network; of its keys m1 honours name, ipam_config (subnet) and driver_options. */
function dockerNetworksProblems(value: unknown): KeyProblem[] {
  if (!Array.isArray(value)) return [];
  const problems: KeyProblem[] = [];
  value.slice(1).forEach((_, k) => problems.push({ path: ['docker_networks', k + 1], message: 'm1 puts a cluster on one network: remove the others' }));
  const net = value[0];
  if (!isMapping(net)) return problems;
  for (const key of Object.keys(net)) {
    if (key === 'name' || key === 'ipam_config') continue;
    if (key === 'driver_options') {
      const p = mapOf('driver options to values', /^[A-Za-z0-9][A-Za-z0-9_.-]*$/)(net[key]);
      if ('problem' in p) problems.push({ path: ['docker_networks', 0, key], message: p.problem });
      continue;
    }
    problems.push({
      path: ['docker_networks', 0, key],
      message: `m1 does not use ${key} for the cluster's network (it honours name, ipam_config's subnet and driver_options): remove it`,
    });
  }
  const ipam = net.ipam_config;
  if (Array.isArray(ipam)) {
    ipam.slice(1).forEach((_, k) => problems.push({ path: ['docker_networks', 0, 'ipam_config', k + 1], message: 'm1 gives the network one subnet: remove the others' }));
    if (isMapping(ipam[0])) {
      for (const key of Object.keys(ipam[0]).filter((k) => k !== 'subnet')) {
        problems.push({
          path: ['docker_networks', 0, 'ipam_config', 0, key],
          message: `m1 gives Docker only the subnet (the gateway is its first address, which no host may take): remove ${key}`,
        });
      }
    }
  }
  return problems;
}

/** Problems of one instance's (or instance_defaults') docker keys. */
function dockerKeyProblems(path: YamlPath, m: Record<string, unknown>): KeyProblem[] {
  const problems: KeyProblem[] = [];
  for (const [key, value] of Object.entries(m)) {
    const spec = DOCKER_INSTANCE_KEYS[key];
    if (spec === undefined) continue;
    if ('fix' in spec) problems.push({ path: [...path, key], message: spec.fix });
    else {
      const p = spec.parse(value);
      if ('problem' in p) problems.push({ path: [...path, key], message: p.problem });
    }
  }
  return problems;
}

const otherPlatform = (key: string, of: string, platform: Platform) => `${key} is ${of === 'aws' ? 'an aws' : 'a docker'} key and this cluster's platform is ${platform}: remove it`;

export interface PlatformKeysInput {
  platform: Platform;
  root: Record<string, unknown>;
  instanceDefaults: Record<string, unknown> | undefined;
  /** As written, in file order (entries that are not mappings are skipped). */
  instances: unknown[];
  locations: unknown[];
}

/**
 * Every platform key of the file honoured or rejected: on docker, docker's
 * keys checked (values too) and aws's rejected; on another platform,
 * docker's rejected (but `image`, which aws reads as its machine image).
 * aws's own keys on aws are the aws platform's to check.
 */
export function platformKeyProblems(input: PlatformKeysInput): KeyProblem[] {
  const { platform, root } = input;
  const problems: KeyProblem[] = [];
  const instanceMappings: [YamlPath, Record<string, unknown>][] = [];
  if (input.instanceDefaults) instanceMappings.push([['instance_defaults'], input.instanceDefaults]);
  input.instances.forEach((v, k) => {
    if (isMapping(v)) instanceMappings.push([['instances', k], v]);
  });
  if ('docker_images' in root) problems.push({ path: ['docker_images'], message: DOCKER_IMAGES_FIX });
  if (platform === 'docker') {
    problems.push(...dockerNetworksProblems(root.docker_networks));
    for (const key of AWS_TOP_LEVEL_KEYS) if (key in root) problems.push({ path: [key], message: otherPlatform(key, 'aws', platform) });
    if (root.cluster_tags !== undefined) {
      const p = labelsOf(root.cluster_tags);
      if ('problem' in p) problems.push({ path: ['cluster_tags'], message: p.problem });
    }
    for (const [path, m] of instanceMappings) {
      problems.push(...dockerKeyProblems(path, m));
      for (const key of AWS_INSTANCE_KEYS) if (key in m) problems.push({ path: [...path, key], message: otherPlatform(key, 'aws', platform) });
    }
    input.locations.forEach((l, k) => {
      if (!isMapping(l)) return;
      for (const key of AWS_LOCATION_KEYS) if (key in l) problems.push({ path: ['locations', k, key], message: otherPlatform(key, 'aws', platform) });
    });
  } else {
    if ('docker_networks' in root) problems.push({ path: ['docker_networks'], message: otherPlatform('docker_networks', 'docker', platform) });
    // aws names its machine image `image` too (an AMI).
    const dockerOnly = platform === 'aws' ? DOCKER_ONLY_INSTANCE_KEYS.filter((k) => k !== 'image') : DOCKER_ONLY_INSTANCE_KEYS;
    for (const [path, m] of instanceMappings) {
      for (const key of dockerOnly) if (key in m) problems.push({ path: [...path, key], message: otherPlatform(key, 'docker', platform) });
    }
  }
  return problems;
}

/** One instance's docker settings: each key from the instance, else instance_defaults; labels from cluster_tags, then tags. */
export function dockerSettingsOf(
  cluster: Pick<Cluster, 'instanceDefaults' | 'clusterTags'>,
  instance: Pick<Instance, 'name' | 'extra'>,
): DockerSettings {
  const s: DockerSettings = {
    restartPolicy: 'unless-stopped',
    env: {},
    logOptions: {},
    exposedPorts: [],
    publishedPorts: [],
    devices: [],
    sysctls: {},
    ulimits: [],
    capAdd: [],
    capDrop: [],
    securityOpts: [],
    volumes: [],
    labels: {},
  };
  const tags = labelsOf(cluster.clusterTags);
  if ('value' in tags) s.labels = { ...tags.value };
  for (const [key, spec] of Object.entries(DOCKER_INSTANCE_KEYS)) {
    if ('fix' in spec) continue;
    const value = key in instance.extra ? instance.extra[key] : cluster.instanceDefaults[key];
    if (value === undefined) continue;
    const p = spec.parse(value);
    // The loader refuses a bad value; a Cluster built another way keeps the default.
    if ('value' in p) spec.apply(s, p.value as never);
  }
  return s;
}
