/**
 * Whether `m1 upgrade` may start, and the order it works in, decided from
 * config.yml, one reading of the cluster and each host's package versions
 * before anything is touched. Pure.
 *
 * Order: the replicas one at a time, those of the primary first, a cascaded
 * replica after its upstream; the witness; the hosts without Postgres
 * (Barman, PgBouncer alone); then a switchover to the first upgraded replica
 * of the primary, then the old primary (a replica by then); with
 * --switch-back, a switchover back. A host already at the target (its
 * packages and its running server) is left out, so a rerun continues where
 * a failure stopped.
 */
import { instanceByName, isDataNode, runsPostgres, type Cluster } from '../../../src/inventory/cluster.js';
import { compareDebianVersions, newestVersion, postgresPackageRelease } from '../../../src/inventory/debianVersion.js';
import type { MinorUpgrade, NoMinorUpgrade } from '../../../roles/failoverManager.js';
import type { ClusterStatus } from '../health.js';
import { watchedPackages, type HostVersions } from './steps.js';

export interface PackageChange {
  name: string;
  from: string;
  to: string;
}

export interface HostUpgrade {
  host: string;
  /** What it is when the upgrade reaches it: the old primary is a replica by then. */
  kind: 'replica' | 'witness' | 'other';
  /** The node it streams from then (replicas). */
  upstream?: string;
  packages: PackageChange[];
  /** Its Postgres restarts onto the new binaries. */
  restart: boolean;
}

export interface HostBefore {
  host: string;
  /** The server package's installed version (Postgres hosts). */
  package?: string;
  serverVersionNum?: number;
}

export interface UpgradePlan {
  /** The server package version upgraded to, and the server_version_num it runs as. */
  target: string;
  targetNum: number;
  /** Where the target came from. */
  targetFrom: 'postgres_package_version' | 'newest offered';
  primary: string;
  before: HostBefore[];
  /** Upgraded before any switchover, in this order. */
  first: HostUpgrade[];
  /** The switchover that makes an upgraded replica the primary (when the primary needs a restart). */
  switchover?: { from: string; to: string };
  /** The old primary, upgraded as a replica of `switchover.to`; or the primary upgraded in place (no restart needed). */
  last: HostUpgrade[];
  /** With --switch-back: the switchover back to the old primary at the end. */
  switchBack?: { from: string; to: string };
  /** Hosts with nothing to do. */
  atTarget: string[];
}

export type UpgradeDecision =
  | { kind: 'plan'; plan: UpgradePlan }
  /** config.yml asks for what m1 upgrade does not do (exit 2). */
  | { kind: 'usage'; reason: string }
  /** Refused by a safety check, nothing changed (exit 3). */
  | { kind: 'refused'; reason: string };

/**
 * What config.yml alone decides: a failover manager m1 upgrade does not
 * drive yet, a postgres_package_version of another major version (a major
 * upgrade needs pg_upgrade: another data directory, not a package upgrade).
 */
export function upgradeStaticDecision(cluster: Cluster, manager: MinorUpgrade | NoMinorUpgrade, wanted: string | undefined): UpgradeDecision | undefined {
  if ('unsupported' in manager) return { kind: 'usage', reason: manager.unsupported(cluster) };
  if (wanted !== undefined) {
    const r = postgresPackageRelease(wanted);
    if (!r) return { kind: 'usage', reason: `postgres_package_version ${wanted} is not a PostgreSQL major.minor release version (e.g. ${cluster.postgresVersion}.20-0+deb12u1)` };
    if (r.major !== cluster.postgresVersion) {
      return {
        kind: 'usage',
        reason:
          `postgres_package_version ${wanted} is PostgreSQL ${r.major}, the cluster runs PostgreSQL ${cluster.postgresVersion} (postgres_version): ` +
          `that is a major upgrade, which m1 upgrade does not do (a new data directory through pg_upgrade or a dump and restore, not a package upgrade); ` +
          `set a ${cluster.postgresVersion}.x version, or remove postgres_package_version to upgrade to the newest ${cluster.postgresVersion}.x the hosts offer`,
      };
    }
  }
  return undefined;
}

/** The live replicas, those of the primary first, then each level of cascaded replicas after its upstreams (config.yml's order within a level). */
export function replicaOrder(cluster: Cluster, status: Pick<ClusterStatus, 'hosts'>, primary: string): { host: string; upstream: string }[] {
  const rank = (h: string) => cluster.instances.findIndex((i) => i.name === h);
  const out: { host: string; upstream: string }[] = [];
  let level = [primary];
  const seen = new Set(level);
  while (level.length > 0) {
    const next = status.hosts
      .filter((h) => h.live === 'replica' && h.upstream !== undefined && level.includes(h.upstream) && !seen.has(h.host))
      .sort((a, b) => rank(a.host) - rank(b.host));
    for (const h of next) {
      seen.add(h.host);
      out.push({ host: h.host, upstream: h.upstream! });
    }
    level = next.map((h) => h.host);
  }
  return out;
}

export interface UpgradeInput {
  cluster: Cluster;
  /** The failover manager's part (managerFor(cluster).minorUpgrade). */
  manager: MinorUpgrade | NoMinorUpgrade;
  status: ClusterStatus;
  versions: Readonly<Record<string, HostVersions | { error: string }>>;
  /** postgres_package_version, when set. */
  wanted?: string;
  switchBack?: boolean;
}

export function checkUpgrade(input: UpgradeInput): UpgradeDecision {
  const { cluster, status, versions, wanted } = input;
  const fixed = upgradeStaticDecision(cluster, input.manager, wanted);
  if (fixed) return fixed;
  const manager = input.manager as MinorUpgrade;
  const refuse = (reason: string): UpgradeDecision => ({ kind: 'refused', reason });
  const v = cluster.postgresVersion;
  const server = `postgresql-${v}`;

  if (!status.healthy) return refuse(`the cluster is not healthy: ${status.problems.join('; ')}; fix it first (m1 status)`);
  const primary = status.primary;
  if (primary === undefined) return refuse('no single primary runs (m1 status)');
  const read: Record<string, HostVersions> = {};
  for (const i of cluster.instances) {
    const r = versions[i.name];
    if (!r || 'error' in r) return refuse(`the package versions of ${i.name} could not be read (${r?.error ?? 'not read'})`);
    read[i.name] = r;
  }
  const postgresHosts = cluster.instances.filter((i) => runsPostgres(i, cluster.failoverManager));

  // The target: config.yml's, else the newest server version the Postgres hosts' sources offer.
  const target = wanted ?? newestVersion(postgresHosts.map((i) => read[i.name]!.candidates[server] ?? '').filter(Boolean));
  if (target === undefined) return refuse(`no host's apt sources offer ${server} (apt-cache policy ${server})`);
  const release = postgresPackageRelease(target);
  if (!release || release.major !== v) {
    return { kind: 'usage', reason: `the newest ${server} the hosts offer is ${target}, not a PostgreSQL ${v} minor release; set postgres_package_version` };
  }

  // Never down: the target must not be older than what any host runs or has installed.
  for (const i of postgresHosts) {
    const r = read[i.name]!;
    const have = r.installed[server];
    if (have !== undefined && compareDebianVersions(target, have) < 0) {
      return refuse(`the target ${target} is older than ${server} ${have} installed on ${i.name}: m1 upgrade never downgrades; set postgres_package_version to ${have} or newer`);
    }
    if (r.serverVersionNum !== undefined && r.serverVersionNum > release.versionNum) {
      return refuse(`the target ${target} (server_version_num ${release.versionNum}) is older than the server running on ${i.name} (${r.serverVersionNum}): m1 upgrade never downgrades`);
    }
  }

  // What each host needs.
  const needs = (host: string): { packages: PackageChange[]; restart: boolean } => {
    const i = instanceByName(cluster, host)!;
    const r = read[host]!;
    const packages: PackageChange[] = [];
    for (const p of watchedPackages(cluster, i, manager)) {
      const from = r.installed[p.name];
      if (from === undefined) continue;
      const to = p.follows === 'target' ? target : r.candidates[p.name];
      if (to !== undefined && compareDebianVersions(to, from) > 0) packages.push({ name: p.name, from, to });
    }
    const pg = runsPostgres(i, cluster.failoverManager);
    const restarting = [server, ...manager.restartFor(cluster)];
    const restart = pg && (r.serverVersionNum !== release.versionNum || packages.some((p) => restarting.includes(p.name)));
    return { packages, restart };
  };
  // Every host that will install the target must be offered it.
  for (const i of cluster.instances) {
    const n = needs(i.name);
    const r = read[i.name]!;
    if (n.packages.some((p) => p.to === target && p.name.startsWith('postgresql-')) && !r.offered.includes(target)) {
      return refuse(
        `the apt sources of ${i.name} do not offer ${target} (they offer ${r.offered.join(', ') || 'none'}${r.updateFailed ? '; apt-get update failed there' : ''}): ` +
          `give it the release's security and updates suites (README, bare hosts), or set postgres_package_version to a version it offers`,
      );
    }
  }

  const before: HostBefore[] = cluster.instances.map((i) => ({
    host: i.name,
    ...(read[i.name]!.installed[server] !== undefined ? { package: read[i.name]!.installed[server] } : {}),
    ...(read[i.name]!.serverVersionNum !== undefined ? { serverVersionNum: read[i.name]!.serverVersionNum } : {}),
  }));
  const atTarget: string[] = [];
  const first: HostUpgrade[] = [];
  const consider = (host: string, kind: HostUpgrade['kind'], upstream?: string) => {
    const n = needs(host);
    if (n.packages.length === 0 && !n.restart) atTarget.push(host);
    else first.push({ host, kind, ...(upstream ? { upstream } : {}), ...n });
  };
  const replicas = replicaOrder(cluster, status, primary);
  for (const r of replicas) consider(r.host, 'replica', r.upstream);
  for (const h of status.hosts.filter((x) => x.live === 'witness')) consider(h.host, 'witness');
  for (const i of cluster.instances.filter((x) => !runsPostgres(x, cluster.failoverManager))) consider(i.name, 'other');
  const unplanned = cluster.instances.filter((i) => i.name !== primary && !first.some((f) => f.host === i.name) && !atTarget.includes(i.name));
  if (unplanned.length > 0) return refuse(`${unplanned.map((i) => i.name).join(', ')}: neither a streaming replica nor a witness (m1 status)`);

  const p = needs(primary);
  const last: HostUpgrade[] = [];
  let switchover: UpgradePlan['switchover'];
  let switchBack: UpgradePlan['switchBack'];
  if (!p.restart) {
    if (p.packages.length > 0) last.push({ host: primary, kind: 'other', ...p });
    else atTarget.push(primary);
  } else {
    const to = replicas.find((r) => r.upstream === primary && isDataNode(instanceByName(cluster, r.host)!))?.host;
    if (to === undefined) return refuse(`${primary} is the primary and no replica streams from it: its restart would stop writes; add a replica first`);
    switchover = { from: primary, to };
    last.push({ host: primary, kind: 'replica', upstream: to, ...p });
    if (input.switchBack) switchBack = { from: to, to: primary };
  }
  return {
    kind: 'plan',
    plan: { target, targetNum: release.versionNum, targetFrom: wanted ? 'postgres_package_version' : 'newest offered', primary, before, first, ...(switchover ? { switchover } : {}), last, ...(switchBack ? { switchBack } : {}), atTarget },
  };
}
