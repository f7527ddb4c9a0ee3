/**
 * The shell commands of `m1 upgrade`, built here and nowhere else. Pure.
 *
 * What is upgraded on a host: the packages m1 installs there that move with
 * a PostgreSQL minor release (the server and client at the target version;
 * the client library, postgresql-common, the failover manager's packages
 * (repmgr's Postgres module, Patroni), Barman, PgBouncer, HAProxy and etcd
 * to the sources' candidate when newer), only those installed. Nothing else on the host (openssl, rsync...) is touched:
 * that is the system's own updates' job.
 */
import { quote, quoteAll } from '../../../src/engine/index.js';
import { assertPackageName } from '../../../src/engine/commands/packages.js';
import { hasRole, runsPostgres, type Cluster, type Instance } from '../../../src/inventory/cluster.js';
import { POSTGRES_PORT, POSTGRES_SERVICE, SOCKET_DIR, binDir } from '../../../src/products/postgres/layout.js';
import { HostError } from '../../../src/errors.js';
import { etcdEndpointHealthCommand } from '../../../src/products/etcd/endpointHealthCommand.js';
import { ETCD_SERVICE } from '../../../src/products/etcd/environment.js';
import { etcdMembers } from '../../../src/products/etcd/members.js';
import { HAPROXY_SERVICE } from '../../../src/products/haproxy/config.js';
import type { MinorUpgrade } from '../../../roles/failoverManager.js';
import { localPsqlCommand, pollLocalCommand } from '../psql.js';

/** A package upgrade follows the target version (server, client) or the sources' candidate (the rest). */
export interface WatchedPackage {
  name: string;
  follows: 'target' | 'candidate';
}

/** The packages `m1 upgrade` looks at on a host, by the roles it plays. */
export function watchedPackages(cluster: Cluster, instance: Instance, manager: Pick<MinorUpgrade, 'packages'>): WatchedPackage[] {
  const v = cluster.postgresVersion;
  const out: WatchedPackage[] = [];
  const add = (follows: WatchedPackage['follows'], ...names: string[]) => {
    for (const name of names) if (!out.some((p) => p.name === name)) out.push({ name, follows });
  };
  if (runsPostgres(instance, cluster.failoverManager)) {
    add('target', `postgresql-${v}`, `postgresql-client-${v}`);
    add('candidate', 'libpq5', 'postgresql-common', 'postgresql-client-common', 'barman-cli');
    add('candidate', ...manager.packages(cluster));
  }
  if (hasRole(instance, 'barman')) {
    add('target', `postgresql-client-${v}`);
    add('candidate', 'barman', 'barman-cli', 'libpq5', 'postgresql-client-common');
  }
  if (hasRole(instance, 'pgbouncer')) add('candidate', 'pgbouncer');
  if (hasRole(instance, 'haproxy')) add('candidate', HAPROXY_PACKAGE);
  if (hasRole(instance, 'etcd')) add('candidate', ...ETCD_UPGRADED_PACKAGES);
  return out;
}

/** HAProxy's package (its postinst reloads a running HAProxy: the master re-executes itself, the new binary). */
const HAPROXY_PACKAGE = 'haproxy';
/** etcd's packages (etcd-server's postinst restarts etcd). */
const ETCD_UPGRADED_PACKAGES = ['etcd-server', 'etcd-client'];

/**
 * Exit 0 once the unit's main process runs the binary now on disk: when it
 * still runs the one the upgrade replaced (/proc/<pid>/exe "(deleted)"), the
 * unit is reloaded or restarted once, then waited for (`waitS`).
 */
export function runsInstalledBinaryCommand(unit: string, action: 'reload' | 'restart', waitS = 60): string {
  assertPackageName(unit);
  const exe = `readlink "/proc/$(systemctl show -p MainPID --value ${unit})/exe" 2>/dev/null`;
  const old = `case "$(${exe})" in ''|*' (deleted)') true ;; *) false ;; esac`;
  return [`if ${old}; then systemctl ${action} ${unit} || exit 1; fi`, `i=0; while ${old}; do i=$((i + 1)); [ "$i" -ge ${waitS} ] && exit 1; sleep 1; done`].join('\n');
}

/** Exit 0 once every etcd member answers healthy (within `waitS`). */
export function etcdHealthyCommand(cluster: Cluster, waitS = 60): string {
  return `i=0; until (${etcdEndpointHealthCommand(etcdMembers(cluster))}) >/dev/null 2>&1; do i=$((i + 1)); [ "$i" -ge ${waitS} ] && exit 1; sleep 1; done`;
}

/** A check after a host's packages were upgraded. */
export interface AfterUpgrade {
  name: string;
  command: string;
  timeoutMs: number;
}

/**
 * What must hold on a host once its packages are upgraded, beside Postgres:
 * HAProxy runs the new binary (reloaded, never restarted: a restart would
 * cut every client connection through it), etcd runs the new one and the
 * cluster is healthy again before the next etcd member's turn.
 */
export function afterUpgradeChecks(cluster: Cluster, instance: Instance, upgraded: readonly string[]): AfterUpgrade[] {
  const out: AfterUpgrade[] = [];
  if (hasRole(instance, 'haproxy') && upgraded.includes(HAPROXY_PACKAGE)) {
    out.push({ name: `${HAPROXY_SERVICE} runs the upgraded binary (reloaded if not)`, command: runsInstalledBinaryCommand(HAPROXY_SERVICE, 'reload'), timeoutMs: 90_000 });
  }
  if (hasRole(instance, 'etcd') && upgraded.some((p) => ETCD_UPGRADED_PACKAGES.includes(p))) {
    out.push({ name: `${ETCD_SERVICE} runs the upgraded binary (restarted if not)`, command: runsInstalledBinaryCommand(ETCD_SERVICE, 'restart'), timeoutMs: 90_000 });
    out.push({ name: 'every etcd member healthy', command: etcdHealthyCommand(cluster), timeoutMs: 90_000 });
  }
  return out;
}

/** The package whose offered versions say which targets a host can reach (on Postgres and Barman hosts alike). */
export function clientPackageName(cluster: Cluster): string {
  return `postgresql-client-${cluster.postgresVersion}`;
}

/**
 * One command per host, read-only but for apt's lists: refreshes them (what
 * the sources offer now), then prints each watched package's installed
 * version and candidate, every version of the client package the sources
 * offer, and the running server's server_version_num:
 *   m1:installed:<name>=<version>  m1:candidate:<name>=<version>
 *   m1:offered=<version>  m1:server_version_num=<n>  m1:update-failed
 */
export function versionsCommand(cluster: Cluster, instance: Instance, manager: Pick<MinorUpgrade, 'packages'>, options: { refresh?: boolean } = {}): string {
  const names = watchedPackages(cluster, instance, manager).map((p) => p.name);
  names.forEach(assertPackageName);
  const lines = [
    ...(options.refresh === false ? [] : [`apt-get -q -o DPkg::Lock::Timeout=120 update >/dev/null 2>&1 || echo m1:update-failed`]),
    `for p in ${quoteAll(names)}; do`,
    `  v=$(dpkg-query -W -f='\${db:Status-Abbrev}\\t\${Version}' "$p" 2>/dev/null)`,
    `  case "$v" in ii*) printf 'm1:installed:%s=%s\\n' "$p" "$(printf '%s' "$v" | cut -f2)" ;; esac`,
    `  c=$(apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: *//p')`,
    `  case "$c" in ''|'(none)') ;; *) printf 'm1:candidate:%s=%s\\n' "$p" "$c" ;; esac`,
    'done',
    `apt-cache madison ${quote(clientPackageName(cluster))} 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); if ($2 != "") print "m1:offered=" $2}'`,
  ];
  if (runsPostgres(instance, cluster.failoverManager)) {
    lines.push(`n=$(${serverVersionNumCommand(cluster)} 2>/dev/null) && echo "m1:server_version_num=$n"`);
  }
  lines.push('true');
  return lines.join('\n');
}

export interface HostVersions {
  installed: Record<string, string>;
  candidates: Record<string, string>;
  /** Versions of the client package the host's sources offer. */
  offered: string[];
  /** The running server's server_version_num (undefined: no server answered). */
  serverVersionNum?: number;
  /** apt-get update failed: the candidates are those of the lists already there. */
  updateFailed: boolean;
}

export function parseVersions(stdout: string): HostVersions {
  const out: HostVersions = { installed: {}, candidates: {}, offered: [], updateFailed: false };
  for (const line of stdout.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^m1:installed:([^=]+)=(\S+)$/.exec(line))) out.installed[m[1]!] = m[2]!;
    else if ((m = /^m1:candidate:([^=]+)=(\S+)$/.exec(line))) out.candidates[m[1]!] = m[2]!;
    else if ((m = /^m1:offered=(\S+)$/.exec(line))) out.offered.push(m[1]!);
    else if ((m = /^m1:server_version_num=(\d+)$/.exec(line))) out.serverVersionNum = Number(m[1]);
    else if (line === 'm1:update-failed') out.updateFailed = true;
  }
  return out;
}

/** SHOW server_version_num on the host's own server. */
export function serverVersionNumCommand(cluster: Cluster): string {
  return localPsqlCommand(cluster.postgresVersion, 'SHOW server_version_num');
}

/**
 * The packages installed at exactly these versions, upgrades only (a
 * package not installed is not installed by it; a lower version fails: apt
 * refuses a downgrade without --allow-downgrades). Changed configuration
 * files are kept (confold), as deploy installs.
 */
export function upgradePackagesCommand(packages: readonly { name: string; to: string }[]): string {
  // Never called with none (the plan leaves a host without packages out); an empty install would be apt's usage error.
  if (packages.length === 0) throw new HostError('upgrade: no packages to install');
  const specs = packages.map((p) => `${p.name}=${p.to}`);
  specs.forEach(assertPackageName);
  return [
    'apt-get -q -o DPkg::Lock::Timeout=300 -y',
    '-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold',
    '--no-install-recommends install --only-upgrade --',
    quoteAll(specs),
  ].join(' ');
}

/**
 * The same packages fetched into apt's cache and nothing installed: every
 * host downloads at once before the rolling part, so that each host's turn
 * installs from its own disk.
 */
export function downloadPackagesCommand(packages: readonly { name: string; to: string }[]): string {
  return upgradePackagesCommand(packages).replace(' install --only-upgrade --', ' --download-only install --only-upgrade --');
}

/**
 * Postgres restarted onto the new binaries, the manager's units on the node
 * stopped around it (repmgr: repmgrd) and started again whatever the restart
 * did; exit 0 once the server accepts connections (within `waitS`).
 */
export function restartPostgresCommand(cluster: Cluster, manager: Pick<MinorUpgrade, 'stoppedAround'>, waitS = 120): string {
  const units = manager.stoppedAround;
  const ready = `${binDir(cluster.postgresVersion)}/pg_isready -q -h ${SOCKET_DIR} -p ${POSTGRES_PORT}`;
  return [
    ...(units.length ? [`systemctl stop ${quoteAll(units)}`] : []),
    `rc=1; if systemctl restart ${POSTGRES_SERVICE}; then`,
    `  i=0; while [ "$i" -lt ${waitS} ]; do if ${ready}; then rc=0; break; fi; i=$((i + 1)); sleep 1; done`,
    'fi',
    ...(units.length ? [`systemctl start ${quoteAll(units)} || rc=1`] : []),
    'exit $rc',
  ].join('\n');
}

/** The primary's current WAL position, to wait for. */
export const CURRENT_LSN_SQL = 'SELECT pg_current_wal_lsn()';

/** Exit 0 once this standby streams and has replayed `lsn` (within `waitS`). */
export function caughtUpCommand(cluster: Cluster, lsn: string, waitS = 120): string {
  if (!/^[0-9A-F]+\/[0-9A-F]+$/i.test(lsn)) throw new HostError(`the primary answered ${JSON.stringify(lsn)}, not a WAL position`);
  const sql = `SELECT coalesce((SELECT status = 'streaming' FROM pg_stat_wal_receiver), false) AND pg_last_wal_replay_lsn() >= '${lsn}'::pg_lsn`;
  return pollLocalCommand(cluster.postgresVersion, sql, 't', waitS * 2, 0.5);
}
