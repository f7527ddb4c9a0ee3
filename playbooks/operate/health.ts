/**
 * From what every host said (probes) to one view of the cluster: who is
 * primary now, who streams from whom and how far behind, the failover
 * manager's own view, where each entry point sends clients, what Barman backs
 * up, drift from config.yml; and the problems that make it degraded. Pure.
 */
import { clusterVar } from '../../src/config/vars.js';
import { hasRole, instanceByName, runsPostgres, type Cluster, type FailoverManagerName, type Role } from '../../src/inventory/cluster.js';
import { pauseState, type FmView, type PauseState } from '../../roles/failoverManager.js';
import { managerFor } from '../../roles/managers.js';
import { hostLiveFacts, instanceForHost, liveTopology } from '../deploy/live.js';
import type { HostLiveFacts } from '../../roles/context.js';
import type { ServerState } from '../../src/live/server.js';
import { barmanServers } from '../../src/products/barman/serverName.js';
import { formatBytes, lagBytes } from '../../src/products/postgres/lsn.js';
import type { HostProbe } from './probe/parse.js';
import { isDataNode } from './probe/spec.js';
import { describeRoute, type Route, type RouteAnswer } from './routes.js';
import { REWOUND_WAL_DIR } from '../../src/products/repmgr/rewindReport.js';

/** 'unknown': the host was not read in time (m1 status --timeout), so nothing is known of its Postgres. */
export type LiveRole = 'primary' | 'replica' | 'witness' | 'down' | 'unknown';

export interface HostStatus {
  host: string;
  /** Roles config.yml gives it. */
  configured: Role[];
  /** What its Postgres is now (undefined: no Postgres here). */
  live?: LiveRole;
  /** Other roles it plays (barman, pgbouncer, etcd, haproxy, log-server). */
  otherRoles: Role[];
  reachable: boolean;
  error?: string;
  /** Not read by status's deadline (seconds): neither known to be up nor down. */
  notReadWithinS?: number;
  /** What waits on other hosts and was cut short here (not read), and after how long. */
  cut?: { what: string[]; afterS: number };
  postgresRunning?: boolean;
  /** The host it streams from (an instance name, else what Postgres says). */
  upstream?: string;
  /** WAL receiver status: streaming, catchup, ... or 'not streaming'. */
  replication?: string;
  /** Bytes of WAL the primary has that this replica has not replayed. */
  lagBytes?: number;
  timeline?: number;
  services: Record<string, string>;
}

export type { FmNode, FmView } from '../../roles/failoverManager.js';

export interface RouteStatus {
  id: string;
  kind: Route['kind'];
  host: string;
  port: number;
  wants: Route['wants'];
  /** Where its configuration sends clients (PgBouncer's databases file). */
  configuredTarget?: string;
  /** The host that answered a client connecting through it, when checked. */
  reaches?: string;
  reachesPrimary?: boolean;
  service?: string;
  ok: boolean;
  detail: string;
}

export interface BarmanStatus {
  server: string;
  host: string;
  /** The host its conf backs up. */
  target?: string;
  backups: number;
  lastBackup?: { id: string; status: string; endTime?: string; timeline?: number };
  check?: { ok: boolean; failed: string[] };
  /** `barman check` had not finished after this many seconds (m1 status --timeout): not known whether it passes. */
  checkCutAfterS?: number;
}

/** A replication slot on the primary and the WAL it keeps on the primary's disk. */
export interface SlotStatus {
  host: string;
  name: string;
  active: boolean;
  /** Bytes of WAL the slot holds back (undefined: it reserves none). */
  heldBytes?: number;
}

/**
 * A slot holding more than this is worth a look long before
 * max_slot_wal_keep_size (8GB by default) invalidates it.
 */
export const SLOT_WARN_BYTES = 1024 ** 3;

export interface ClusterStatus {
  cluster: string;
  failoverManager: FailoverManagerName;
  postgresVersion: number;
  /** The live primary (the data node out of recovery), when exactly one answers. */
  primary?: string;
  /** Every data node out of recovery. */
  primaries: string[];
  timeline?: number;
  hosts: HostStatus[];
  fm: FmView;
  /**
   * Automatic failover, as the manager's members say it. 'paused' (m1 pause)
   * is a warning, not degraded: a deliberate state, the cluster serves;
   * 'mixed' (some members paused, some not) is degraded.
   */
  failover: PauseState;
  routes: RouteStatus[];
  barman: BarmanStatus[];
  /** The primary's replication slots. */
  slots: SlotStatus[];
  /** config.yml vs the live topology (warnings, never repaired). */
  drift: string[];
  warnings: string[];
  /** What makes the cluster degraded (exit 1). */
  problems: string[];
  healthy: boolean;
  /** Expiry of the cluster CA ('ca') and each host's certificate, as deploy issued and installed them. */
  certificates?: CertificateExpiry[];
}

export interface CertificateExpiry {
  host: string;
  /** ISO date (UTC). */
  notAfter: string;
  daysLeft: number;
}

const OTHER_ROLES: Role[] = ['barman', 'pgbouncer', 'etcd', 'haproxy', 'log-server'];

/** The server part of a probe (src/live/server.ts), as deploy reads it too; undefined when the host did not answer. */
function serverState(p: HostProbe): ServerState | undefined {
  if (!p.reachable) return undefined;
  return { ...(p.pgDataDir ? { dataDirVersion: '?' } : {}), ...(p.pg ? { node: p.pg } : {}), ...(p.receiver ? { receiver: p.receiver } : {}) };
}

export function liveFacts(cluster: Cluster, probes: Readonly<Record<string, HostProbe>>, addresses: Readonly<Record<string, string>>): Record<string, HostLiveFacts> {
  const out: Record<string, HostLiveFacts> = {};
  for (const i of cluster.instances) {
    const p = probes[i.name];
    out[i.name] = hostLiveFacts(cluster, p ? serverState(p) : undefined, addresses);
  }
  return out;
}

/** The instance a host name or address stands for, else the text itself. */
function nameOf(cluster: Cluster, host: string | undefined, addresses: Readonly<Record<string, string>>): string | undefined {
  if (host === undefined) return undefined;
  return instanceForHost(cluster, host, addresses) ?? host;
}

export interface EvaluateInput {
  cluster: Cluster;
  probes: Readonly<Record<string, HostProbe>>;
  addresses: Readonly<Record<string, string>>;
  /** Answers of clients connecting through each entry point, by route id (when checked). */
  routeAnswers?: Readonly<Record<string, RouteAnswer>>;
  routes: readonly Route[];
}

/** Who is paused and who is not, for a 'mixed' pause state; `dcs`: the manager's cluster-wide switch, when it has one. */
export function mixedPause(p: PauseState, dcs: boolean | undefined): string {
  const list = (names: string[]) => names.join(', ');
  if (dcs === true && p.paused.length === 0) return `paused in the DCS, not yet on ${list(p.active)}`;
  if (dcs === false && p.active.length === 0) return `resumed in the DCS, still paused on ${list(p.paused)}`;
  return `paused on ${list(p.paused)} and not on ${list(p.active)}`;
}

export function evaluateStatus(input: EvaluateInput): ClusterStatus {
  const { cluster, probes, addresses } = input;
  const manager = managerFor(cluster);
  const fmName = manager.name;
  const problems: string[] = [];
  const warnings: string[] = [];
  const facts = liveFacts(cluster, probes, addresses);
  const topo = liveTopology(cluster, facts);
  const dataNodes = cluster.instances.filter(isDataNode);
  const primaries = dataNodes.filter((i) => facts[i.name]?.postgresRunning && facts[i.name]?.inRecovery === false).map((i) => i.name);
  const primary = primaries.length === 1 ? primaries[0] : undefined;
  if (primaries.length === 0) problems.push('no data node runs as primary: Postgres answers out of recovery nowhere');
  if (primaries.length > 1) problems.push(`${primaries.length} data nodes run as primary (${primaries.join(', ')}): split brain; demote all but one (repmgr node rejoin --force-rewind on the others)`);
  const primaryLsn = primary ? probes[primary]?.pg?.currentLsn : undefined;

  const hosts: HostStatus[] = cluster.instances.map((i) => {
    const p = probes[i.name];
    const h: HostStatus = {
      host: i.name,
      configured: i.roles,
      otherRoles: i.roles.filter((r) => OTHER_ROLES.includes(r)),
      reachable: p?.reachable ?? false,
      services: p?.services ?? {},
    };
    if (p?.error) h.error = p.error;
    if (p?.notRead) h.notReadWithinS = p.notRead.withinS;
    if (p?.cut) {
      h.cut = p.cut;
      problems.push(`${i.name}: ${p.cut.what.join(', ')}: no answer within ${p.cut.afterS} s (not read; another host does not answer it?)`);
    }
    if (p?.notRead) problems.push(`${i.name}: ${p.error}`);
    else if (!h.reachable) problems.push(p?.error?.startsWith('unreachable') ? `${i.name}: ${p.error}` : `${i.name}: unreachable${p?.error ? ` (${p.error})` : ''}`);
    for (const [unit, state] of Object.entries(h.services)) {
      // A stopped Postgres is said once, below, with what psql said.
      if (state !== 'active' && unit !== 'postgres') problems.push(`${i.name}: service ${unit} is ${state}`);
    }
    const witness = hasRole(i, 'witness') && !isDataNode(i);
    const pgHere = runsPostgres(i, fmName);
    if (!pgHere) return h;
    const f = facts[i.name]!;
    h.postgresRunning = f.postgresRunning;
    if (p?.notRead) h.live = 'unknown';
    else if (!h.reachable) h.live = 'down';
    else if (!f.postgresRunning) {
      h.live = 'down';
      const why = p?.errors.find((e) => /server|connect|socket/i.test(e));
      problems.push(`${i.name}: Postgres is not running${why ? ` (${why})` : ''}`);
    } else if (witness) h.live = 'witness';
    else h.live = f.inRecovery ? 'replica' : 'primary';
    if (p?.pg?.timeline !== undefined) h.timeline = p.pg.timeline;
    if (h.live === 'primary' && p?.pg && p.pg.synchronousStandbys === '' && clusterVar(cluster, 'synchronous_replication') === 'on') {
      // repmgr (m1-fence) and Patroni (synchronous_mode) alike clear synchronous_standby_names when no standby is left to wait for.
      warnings.push(`${i.name} runs alone: its commits wait for no standby (synchronous_replication: on, and no standby streams); they wait for one again once one streams`);
    }
    for (const w of p?.rewound ?? []) {
      const size = w.kib === undefined ? '' : ` (${(w.kib / 1024).toFixed(1)} MB)`;
      warnings.push(`${i.name} keeps WAL a rewind discarded in ${REWOUND_WAL_DIR}/${w.name}${size}: read it (pg_waldump), then remove the directory`);
    }
    if (h.live === 'primary' && p?.pg?.readOnly) {
      problems.push(`${i.name}: runs as primary but refuses writes (default_transaction_read_only on): fenced by m1-fence when it saw no majority of the voters (journalctl -u m1-fence); it lifts the fence itself once a majority answers`);
    }
    if (h.live === 'replica') {
      const upstream = nameOf(cluster, p?.receiver?.senderHost ?? p?.pg?.conninfoHost, addresses);
      if (upstream) h.upstream = upstream;
      h.replication = p?.receiver?.status ?? 'not streaming';
      if (h.replication !== 'streaming') problems.push(`${i.name}: in recovery but not streaming${upstream ? ` from ${upstream}` : ''} (WAL receiver: ${p?.receiver?.status ?? 'none'})`);
      const lag = lagBytes(primaryLsn, p?.pg?.replayLsn ?? p?.pg?.receiveLsn);
      if (lag !== undefined) h.lagBytes = lag;
    }
    return h;
  });

  // The failover manager's own view, and whether it agrees with Postgres.
  const fm: FmView = manager.view({ cluster, facts: probes, primary, nameOf: (host) => nameOf(cluster, host, addresses)! });
  // A manager with no member runs nowhere (repmgr without a replica): no view to expect.
  if (manager.members(cluster).length === 0) fm.idle = true;
  if (fm.from === undefined) {
    if (!fm.idle) problems.push(`${fmName}: no node answered with the failover manager's view`);
  } else {
    if (primary && fm.primary !== primary) {
      problems.push(`${fmName} (asked on ${fm.from}) takes ${fm.primary ?? 'no node'} for the primary, but Postgres on ${primary} is the primary`);
    }
    for (const i of manager.members(cluster)) {
      const n = fm.nodes.find((x) => x.name === i.name);
      if (!n) {
        problems.push(`${fmName} does not know ${i.name}`);
        continue;
      }
      const problem = manager.problem(n);
      if (problem) problems.push(problem);
      warnings.push(...manager.warnings(n, hosts.find((h) => h.host === i.name)?.upstream));
    }
  }
  const failover = pauseState(fm, manager.members(cluster).map((i) => i.name));
  if (failover.state === 'paused') {
    warnings.push(`automatic failover is PAUSED (${manager.title}, every member): a failed primary is not replaced; \`m1 resume ${cluster.dir}\` turns it back on`);
  } else if (failover.state === 'mixed') {
    problems.push(`automatic failover is ${mixedPause(failover, fm.paused)}: after a failure the members would not act alike; \`m1 pause\` or \`m1 resume\` sets every member the same`);
  }

  // Entry points.
  const routes: RouteStatus[] = input.routes.map((r) => {
    const p = probes[r.host];
    const service = r.kind === 'pgbouncer' ? p?.services['pgbouncer'] : p?.services['haproxy'];
    const configuredTarget = r.kind === 'pgbouncer' ? p?.pgbouncerTarget : undefined;
    const a = input.routeAnswers?.[r.id];
    const rs: RouteStatus = { id: r.id, kind: r.kind, host: r.host, port: r.port, wants: r.wants, ok: true, detail: '', ...(service ? { service } : {}), ...(configuredTarget ? { configuredTarget } : {}) };
    const what = describeRoute(r);
    const reasons: string[] = [];
    if (r.wants === 'primary' && configuredTarget && primary && configuredTarget !== primary) reasons.push(`sends clients to ${configuredTarget}, not the primary ${primary}`);
    if (a) {
      if (a.cutAfterS !== undefined) reasons.push(`not read: no answer within ${a.cutAfterS} s`);
      else if (!a.ok) reasons.push(`a client cannot get through: ${a.error}`);
      else {
        const reached = nameOf(cluster, a.clusterName && instanceByName(cluster, a.clusterName) ? a.clusterName : a.address, addresses);
        if (reached) rs.reaches = reached;
        rs.reachesPrimary = a.inRecovery === false && reached === primary;
        if (r.wants === 'primary' && !rs.reachesPrimary) reasons.push(`a client reaches ${reached ?? 'an unknown server'}${a.inRecovery ? ' (read-only)' : ''}, not the primary${primary ? ` ${primary}` : ''}`);
        if (r.wants === 'replica' && a.inRecovery !== true) reasons.push(`a client reaches ${reached ?? 'an unknown server'}, which is not a replica`);
      }
    }
    if (reasons.length > 0) {
      rs.ok = false;
      rs.detail = reasons.join('; ');
      problems.push(`${what}: ${rs.detail}`);
    } else {
      rs.detail = rs.reaches ? `reaches ${rs.reaches}` : configuredTarget ? `sends to ${configuredTarget}` : 'not checked';
    }
    return rs;
  });

  // Barman.
  const barman: BarmanStatus[] = [];
  for (const s of barmanServers(cluster)) {
    const p = probes[s.barmanHost]?.barman[s.name];
    const b: BarmanStatus = { server: s.name, host: s.barmanHost, backups: p?.backups.length ?? 0 };
    if (p?.target) b.target = p.target;
    const last = p?.backups.at(-1);
    if (last) b.lastBackup = { id: last.id, status: last.status, ...(last.endTime ? { endTime: last.endTime } : {}), ...(last.timeline !== undefined ? { timeline: last.timeline } : {}) };
    if (p?.check) b.check = { ok: p.check.ok, failed: p.check.failed };
    if (p?.checkCutAfterS !== undefined) {
      b.checkCutAfterS = p.checkCutAfterS;
      // Cut short is not failed: a busy Barman host can take longer than status waits.
      warnings.push(`barman check ${s.name} on ${s.barmanHost} had not finished after ${p.checkCutAfterS} s: not read (m1 status --timeout 15 waits for it)`);
    }
    if (probes[s.barmanHost]?.reachable) {
      if (!p?.target) problems.push(`Barman server ${s.name} on ${s.barmanHost}: no server conf; run m1 deploy`);
      else if (s.followsPrimary && primary && p.target !== primary) problems.push(`Barman server ${s.name} on ${s.barmanHost} backs up ${p.target}, not the primary ${primary}; run m1 deploy to retarget it`);
      if (p?.check && !p.check.ok) problems.push(`barman check ${s.name} on ${s.barmanHost} fails: ${p.check.failed.join('; ') || 'exit status not 0'}`);
      if (b.backups === 0) warnings.push(`Barman server ${s.name} has no backup yet`);
    }
    barman.push(b);
  }

  // Slots: the WAL they hold stays on the primary's disk until their consumer catches up.
  const slots: SlotStatus[] = primary
    ? (probes[primary]?.slots ?? []).map((r) => ({ host: primary, name: r.name, active: r.active, ...(r.heldBytes !== undefined ? { heldBytes: r.heldBytes } : {}) }))
    : [];
  for (const sl of slots) {
    if (sl.heldBytes !== undefined && sl.heldBytes > SLOT_WARN_BYTES) {
      warnings.push(
        `replication slot ${sl.name} on ${sl.host} holds ${formatBytes(sl.heldBytes)} of WAL${sl.active ? '' : ' and nobody streams from it'}; past max_slot_wal_keep_size PostgreSQL invalidates it and its consumer must be cloned again`,
      );
    }
  }

  warnings.push(...topo.warnings.filter((w) => !/several hosts run as primary/.test(w)));
  const drift = topo.warnings.filter((w) => !/several hosts run as primary/.test(w));
  for (const h of hosts) if (h.lagBytes !== undefined && h.lagBytes > 16 * 1024 * 1024) warnings.push(`${h.host} is ${h.lagBytes} bytes behind the primary`);
  const timeline = primary ? probes[primary]?.pg?.timeline : undefined;
  return {
    cluster: cluster.name,
    failoverManager: fmName,
    postgresVersion: cluster.postgresVersion,
    ...(primary ? { primary } : {}),
    primaries,
    ...(timeline !== undefined ? { timeline } : {}),
    hosts,
    fm,
    failover,
    routes,
    barman,
    slots,
    drift,
    warnings: warnings.filter((w) => !drift.includes(w)),
    problems,
    healthy: problems.length === 0,
  };
}
