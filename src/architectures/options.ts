/**
 * `m1 configure` flags as the command line gives them (strings, booleans),
 * turned into typed M1Options. Every bad flag is a UsageError naming the
 * option and the fix (exit 2), raised before anything is written.
 */
import { UsageError } from '../errors.js';
import { sshSource } from './sshFrom.js';
import {
  DEBIAN_RELEASES,
  FAILOVER_MANAGERS,
  PLATFORMS,
  POSTGRES_VERSIONS,
  type DebianVersion,
  type FailoverManagerName,
  type Platform,
  type PostgresVersion,
} from '../inventory/cluster.js';
import type { M1Options } from './m1.js';
import { releaseLacks, releasePostgres } from '../inventory/debianReleases.js';

export const ARCHITECTURES = ['M1'] as const;
export const KEYRING_BACKENDS = ['system', 'legacy'] as const;
export const PATRONI_PACKAGE_FLAVOURS = ['edb', 'community'] as const;

/** What commander hands over: every value as typed on the command line. */
export interface RawConfigureOptions {
  architecture?: string;
  postgresql?: string | boolean;
  postgresVersion?: string;
  postgresFlavour?: string;
  edbPostgresExtended?: string | boolean;
  pgextended?: string | boolean;
  edbpge?: string | boolean;
  edbPostgresAdvanced?: string | boolean;
  epas?: string | boolean;
  redwood?: boolean;
  failoverManager?: string;
  enableRepmgr?: boolean;
  enableEfm?: boolean;
  enablePatroni?: boolean;
  platform?: string;
  region?: string;
  instanceType?: string;
  distribution?: string;
  os?: string;
  osVersion?: string;
  network?: string;
  subnetPrefix?: string;
  /** false with --no-shuffle-subnets. */
  shuffleSubnets?: boolean;
  locationNames?: string[];
  primaryLocation?: string;
  dataNodesPerLocation?: string;
  witnessOnlyLocation?: string;
  singleNodeLocation?: string;
  enablePgbouncer?: boolean;
  enableHaproxy?: boolean;
  patroniDcs?: string;
  patroniPackageFlavour?: string;
  efmBindByHostname?: boolean;
  numCascadedReplicas?: string;
  hostnamesFrom?: string;
  clusterPrefixedHostnames?: boolean;
  hostnamesUnsorted?: boolean;
  /** false with --no-git (accepted for TPA compatibility; m1 never runs git). */
  git?: boolean;
  keyringBackend?: string;
  rootVolumeSize?: string;
  postgresVolumeSize?: string;
  barmanVolumeSize?: string;
  /** aws: the address (or CIDR) SSH is allowed from. */
  sshFrom?: string;
}

export interface ParsedConfigureOptions {
  /** Everything but the cluster name and the hostnames file's content. */
  options: Omit<M1Options, 'clusterName' | 'hostnames'>;
  /** Options given that have no effect here (said out loud, never silently dropped). */
  warnings: string[];
}

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${option} ${value}: not a valid choice; use one of ${allowed.join(', ')}`);
}

function integer(option: string, value: string, min: number): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < min) {
    throw new UsageError(`${option} ${value}: expected a whole number of at least ${min}`);
  }
  return Number(value);
}

const VERSION_LIST = `[${POSTGRES_VERSIONS.join(', ')}]`;

function postgresVersion(option: string, value: string): PostgresVersion {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !(POSTGRES_VERSIONS as readonly number[]).includes(n)) {
    throw new UsageError(`${option} ${value}: You must specify a version in ${VERSION_LIST}`);
  }
  return n as PostgresVersion;
}

/** `releaseDefault`: the version of the release --os-version names, taken when no version is given. */
function parsePostgres(raw: RawConfigureOptions, releaseDefault?: () => PostgresVersion): PostgresVersion {
  const unsupported: [string, string | boolean | undefined, string][] = [
    ['--edb-postgres-advanced', raw.edbPostgresAdvanced, 'EDB Postgres Advanced Server'],
    ['--epas', raw.epas, 'EDB Postgres Advanced Server'],
    ['--edb-postgres-extended', raw.edbPostgresExtended, 'EDB Postgres Extended'],
    ['--pgextended', raw.pgextended, 'EDB Postgres Extended'],
    ['--edbpge', raw.edbpge, 'EDB Postgres Extended'],
  ];
  for (const [flag, value, what] of unsupported) {
    if (value !== undefined) throw new UsageError(`${flag}: ${what} is not supported yet; use --postgresql VERSION`);
  }
  if (raw.postgresFlavour !== undefined && raw.postgresFlavour !== 'postgresql') {
    const known: Record<string, string> = { epas: 'EDB Postgres Advanced Server', edbpge: 'EDB Postgres Extended' };
    const what = known[raw.postgresFlavour];
    throw new UsageError(
      what
        ? `--postgres-flavour ${raw.postgresFlavour}: ${what} is not supported yet; use --postgres-flavour postgresql`
        : `--postgres-flavour ${raw.postgresFlavour}: unknown flavour; use --postgres-flavour postgresql`,
    );
  }
  if (raw.redwood !== undefined) {
    throw new UsageError(`--${raw.redwood ? '' : 'no-'}redwood: You can specify --redwood/--no-redwood only when using EPAS; remove it`);
  }
  const fromFlag = typeof raw.postgresql === 'string' ? raw.postgresql : undefined;
  const fromVersion = raw.postgresVersion;
  if (fromFlag !== undefined && fromVersion !== undefined && fromFlag !== fromVersion) {
    throw new UsageError(
      `You must select a single Postgres version, '--postgresql ${fromFlag}' conflicts with '--postgres-version ${fromVersion}'`,
    );
  }
  if (fromFlag !== undefined) return postgresVersion('--postgresql', fromFlag);
  if (fromVersion !== undefined) return postgresVersion('--postgres-version', fromVersion);
  if (releaseDefault) return releaseDefault();
  if (raw.postgresql === true || raw.postgresFlavour !== undefined) {
    throw new UsageError(`You must select a Postgres version, e.g., with '--postgres-version 16' (one of ${VERSION_LIST})`);
  }
  throw new UsageError('You must select a Postgres flavour and version, e.g., with --postgresql 16');
}

function parseFailoverManager(raw: RawConfigureOptions): FailoverManagerName {
  const given: [string, FailoverManagerName][] = [];
  if (raw.failoverManager !== undefined) {
    given.push([
      `--failover-manager ${raw.failoverManager}`,
      oneOf('--failover-manager', raw.failoverManager, FAILOVER_MANAGERS),
    ]);
  }
  if (raw.enableRepmgr) given.push(['--enable-repmgr', 'repmgr']);
  if (raw.enableEfm) given.push(['--enable-efm', 'efm']);
  if (raw.enablePatroni) given.push(['--enable-patroni', 'patroni']);
  if (given.length === 0) {
    throw new UsageError(
      'a failover manager is required: use --failover-manager {repmgr,efm,patroni} (or --enable-repmgr, --enable-efm, --enable-patroni)',
    );
  }
  if (given.length > 1) {
    throw new UsageError(`${given[1]![0]} is not allowed with ${given[0]![0]}; give one failover manager`);
  }
  return given[0]![1];
}

function parseOsVersion(value: string | undefined): DebianVersion {
  if (value === undefined) return 12;
  for (const [num, release] of Object.entries(DEBIAN_RELEASES)) {
    if (value === num || value === release) return Number(num) as DebianVersion;
  }
  const choices = Object.entries(DEBIAN_RELEASES)
    .map(([n, r]) => `${n} (${r})`)
    .join(', ');
  throw new UsageError(`--os-version ${value}: Debian ${value} is not supported; use one of ${choices}`);
}

/** Checks and types the flags; the layout rules are checked by configureM1. */
export function parseConfigureOptions(raw: RawConfigureOptions): ParsedConfigureOptions {
  if (raw.architecture === undefined) throw new UsageError('--architecture is required; use --architecture M1');
  if (!(ARCHITECTURES as readonly string[]).includes(raw.architecture)) {
    throw new UsageError(`--architecture ${raw.architecture}: unsupported architecture; supported: ${ARCHITECTURES.join(', ')}`);
  }
  // With --os-version and no version, the one that release's archive carries (m1 installs from it).
  const version = parsePostgres(raw, raw.osVersion === undefined ? undefined : () => releasePostgres(parseOsVersion(raw.osVersion)));
  const failoverManager = parseFailoverManager(raw);
  const platform: Platform = oneOf('--platform', raw.platform ?? 'aws', PLATFORMS);

  const distribution = raw.distribution ?? raw.os;
  if (distribution !== undefined && distribution.toLowerCase() !== 'debian') {
    const flag = raw.distribution !== undefined ? '--distribution' : '--os';
    throw new UsageError(`${flag} ${distribution}: not supported yet; m1 supports Debian (${flag} Debian)`);
  }
  const osVersion = parseOsVersion(raw.osVersion);
  const lacks = raw.osVersion === undefined ? undefined : releaseLacks(osVersion, version);
  if (lacks !== undefined && platform === 'docker') {
    // m1's docker images have the release's own archive and nothing else: deploy would refuse it.
    throw new UsageError(`--os-version ${raw.osVersion}: ${lacks}; give --postgresql ${releasePostgres(osVersion)} or another --os-version`);
  }

  if (raw.enablePgbouncer && raw.enableHaproxy) {
    throw new UsageError('--enable-pgbouncer is not allowed with --enable-haproxy; choose one of them');
  }
  if (raw.patroniDcs !== undefined) oneOf('--patroni-dcs', raw.patroniDcs, ['etcd'] as const);
  const patroniPackageFlavour =
    raw.patroniPackageFlavour === undefined
      ? undefined
      : oneOf('--patroni-package-flavour', raw.patroniPackageFlavour, PATRONI_PACKAGE_FLAVOURS);
  const keyringBackend =
    raw.keyringBackend === undefined ? undefined : oneOf('--keyring-backend', raw.keyringBackend, KEYRING_BACKENDS);

  const warnings: string[] = [];
  if (lacks !== undefined) {
    warnings.push(`--os-version ${raw.osVersion}: ${lacks}; deploy refuses it unless the hosts have a package source with postgresql-${version} (the PostgreSQL project's apt repository)`);
  }
  const awsOnly: [string, unknown][] = [
    ['--region', raw.region],
    ['--instance-type', raw.instanceType],
    ['--root-volume-size', raw.rootVolumeSize],
    ['--postgres-volume-size', raw.postgresVolumeSize],
    ['--barman-volume-size', raw.barmanVolumeSize],
    ['--ssh-from', raw.sshFrom],
  ];
  if (platform !== 'aws') {
    for (const [flag, value] of awsOnly) {
      if (value !== undefined) warnings.push(`${flag} is used only with --platform aws; ignored on ${platform}`);
    }
  }
  if (platform === 'bare') {
    // Bare hosts have their own addresses (from --hostnames-from or edited in later).
    const netOnly: [string, unknown][] = [
      ['--network', raw.network],
      ['--subnet-prefix', raw.subnetPrefix],
      ['--no-shuffle-subnets', raw.shuffleSubnets === false ? true : undefined],
    ];
    for (const [flag, value] of netOnly) {
      if (value !== undefined) warnings.push(`${flag} is not used with --platform bare; ignored`);
    }
  }
  let sshFrom: string | undefined;
  if (platform === 'aws') {
    const source = sshSource(raw.sshFrom);
    sshFrom = source.cidr;
    if (source.note) warnings.push(source.note);
  }
  if (raw.patroniDcs !== undefined && failoverManager !== 'patroni') {
    warnings.push(`--patroni-dcs is used only with patroni; ignored with ${failoverManager}`);
  }

  const locationNames = raw.locationNames?.flatMap((n) => n.split(',')).filter((n) => n.length > 0);
  return {
    options: {
      postgresVersion: version,
      failoverManager,
      platform,
      osVersion,
      region: raw.region,
      instanceType: raw.instanceType,
      network: raw.network,
      subnetPrefix: raw.subnetPrefix === undefined ? undefined : integer('--subnet-prefix', raw.subnetPrefix, 1),
      shuffleSubnets: raw.shuffleSubnets !== false,
      locationNames,
      primaryLocation: raw.primaryLocation,
      dataNodesPerLocation:
        raw.dataNodesPerLocation === undefined
          ? undefined
          : integer('--data-nodes-per-location', raw.dataNodesPerLocation, 1),
      witnessOnlyLocation: raw.witnessOnlyLocation,
      singleNodeLocation: raw.singleNodeLocation,
      enablePgbouncer: raw.enablePgbouncer === true,
      enableHaproxy: raw.enableHaproxy === true,
      patroniPackageFlavour,
      efmBindByHostname: raw.efmBindByHostname === true,
      numCascadedReplicas:
        raw.numCascadedReplicas === undefined
          ? undefined
          : integer('--num-cascaded-replicas', raw.numCascadedReplicas, 0),
      clusterPrefixedHostnames: raw.clusterPrefixedHostnames === true,
      keyringBackend,
      ...(sshFrom !== undefined ? { sshFrom } : {}),
      volumeSizes: {
        root: raw.rootVolumeSize === undefined ? undefined : integer('--root-volume-size', raw.rootVolumeSize, 1),
        postgres:
          raw.postgresVolumeSize === undefined ? undefined : integer('--postgres-volume-size', raw.postgresVolumeSize, 1),
        barman: raw.barmanVolumeSize === undefined ? undefined : integer('--barman-volume-size', raw.barmanVolumeSize, 1),
      },
    },
    warnings,
  };
}
