/**
 * From what every host said (probes) to one view of the cluster: who is
 * primary now, who streams from whom and how far behind, the failover
 * manager's own view, where each entry point sends clients, what Barman backs
 * up, drift from config.yml; and the problems that make it degraded. Pure.
 */
import { hasRole, instanceByName, runsPostgres, type Cluster, type FailoverManager, type Role } from '../../src/inventory/cluster.js';
import { hostLiveFacts, instanceForHost, liveTopology } from '../deploy/live.js';
import type { HostLiveFacts } from '../../roles/context.js';
import type { GatheredHost } from '../deploy/gather.js';
import { barmanServers } from '../../src/products/barman/serverName.js';
import { isEfmWitness } from '../../src/products/efm/nodes.js';
import { isRunningReplica } from '../../src/products/patroni/clusterStatus.js';
import { lagBytes } from './lsn.js';
import type { HostProbe } from './probe/parse.js';
import { isDataNode } from './probe/spec.js';
import { describeRoute, type Route, type RouteAnswer } from './routes.js';

export type LiveRole = 'primary' | 'replica' | 'witness' | 'down';

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

export interface FmNode {
  name: string;
  /** The manager's word for it: primary, standby, witness, leader, replica... */
  role: string;
  /** running, unreachable, streaming, UP... */
  state: string;
  upstream?: string;
  /** repmgrd on this node: running, paused, stopped. */
  daemon?: string;
}

export interface FmView {
  manager: FailoverManager;
  /** The host whose view this is. */
  from?: string;
  /** Whom the manager takes for the primary. */
  primary?: string;
  nodes: FmNode[];
}

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
}

export interface ClusterStatus {
  cluster: string;
  failoverManager: FailoverManager;
  postgresVersion: number;
  /** The live primary (the data node out of recovery), when exactly one answers. */
  primary?: string;
  /** Every data node out of recovery. */
  primaries: string[];
  timeline?: number;
  hosts: HostStatus[];
  fm: FmView;
  routes: RouteStatus[];
  barman: BarmanStatus[];
  /** config.yml vs the live topology (warnings, never repaired). */
  drift: string[];
  warnings: string[];
  /** What makes the cluster degraded (exit 1). */
  problems: string[];
  healthy: boolean;
}

const OTHER_ROLES: Role[] = ['barman', 'pgbouncer', 'etcd', 'haproxy', 'log-server'];

/** The probe in the shape deploy's live-topology code reads. */
function gathered(p: HostProbe): GatheredHost | undefined {
  if (!p.reachable) return undefined;
  return {
    memoryMb: 0,
    confFiles: {},
    running: p.pgRunning === true && p.pg !== undefined,
    ...(p.pgDataDir ? { dataDirVersion: '?' } : {}),
    ...(p.pg ? { inRecovery: p.pg.inRecovery, systemIdentifier: p.pg.systemIdentifier, timeline: p.pg.timeline } : {}),
    ...(p.pg?.inRecovery && (p.receiver?.senderHost ?? p.pg.conninfoHost) ? { upstreamHost: p.receiver?.senderHost ?? p.pg.conninfoHost } : {}),
  };
}

export function liveFacts(cluster: Cluster, probes: Readonly<Record<string, HostProbe>>, addresses: Readonly<Record<string, string>>): Record<string, HostLiveFacts> {
  const out: Record<string, HostLiveFacts> = {};
  for (const i of cluster.instances) {
    const p = probes[i.name];
    out[i.name] = hostLiveFacts(cluster, p ? gathered(p) : undefined, addresses);
  }
  return out;
}

/** The instance a host name or address stands for, else the text itself. */
function nameOf(cluster: Cluster, host: string | undefined, addresses: Readonly<Record<string, string>>): string | undefined {
  if (host === undefined) return undefined;
  return instanceForHost(cluster, host, addresses) ?? host;
}

function repmgrView(cluster: Cluster, probes: Readonly<Record<string, HostProbe>>, primary: string | undefined): FmView {
  const order = [primary, ...cluster.instances.map((i) => i.name)].filter((x): x is string => x !== undefined);
  const from = order.find((h) => (probes[h]?.repmgr?.nodes.length ?? 0) > 0);
  const view: FmView = { manager: 'repmgr', nodes: [] };
  if (!from) return view;
  view.from = from;
  const r = probes[from]!.repmgr!;
  const byId = new Map(r.nodes.map((n) => [n.id, n.name]));
  for (const n of r.nodes) {
    const show = r.show.find((s) => s.id === n.id);
    const own = probes[n.name]?.repmgr;
    const state = !n.active ? 'inactive' : show === undefined ? 'unknown' : show.connection === 0 ? 'running' : 'unreachable';
    const daemon = own?.daemonRunning === undefined ? undefined : !own.daemonRunning ? 'stopped' : own.paused ? 'paused' : 'running';
    view.nodes.push({ name: n.name, role: n.type, state, ...(n.upstreamId !== undefined ? { upstream: byId.get(n.upstreamId) ?? String(n.upstreamId) } : {}), ...(daemon ? { daemon } : {}) });
  }
  const primaries = r.nodes.filter((n) => n.type === 'primary' && n.active).map((n) => n.name);
  if (primaries.length === 1) view.primary = primaries[0];
  return view;
}

function patroniView(cluster: Cluster, probes: Readonly<Record<string, HostProbe>>, primary: string | undefined): FmView {
  const order = [primary, ...cluster.instances.map((i) => i.name)].filter((x): x is string => x !== undefined);
  const from = order.find((h) => probes[h]?.patroni !== undefined);
  const view: FmView = { manager: 'patroni', nodes: [] };
  if (!from) return view;
  const s = probes[from]!.patroni!;
  view.from = from;
  if (s.leader) view.primary = s.leader;
  // Each member's state as its own Patroni tells it when it answered: the DCS record lags up to loop_wait.
  for (const m of s.members) view.nodes.push({ name: m.name, role: m.role, state: probes[m.name]?.patroniSelf?.state ?? m.state });
  return view;
}

function efmView(cluster: Cluster, probes: Readonly<Record<string, HostProbe>>, primary: string | undefined, addresses: Readonly<Record<string, string>>): FmView {
  const order = [primary, ...cluster.instances.map((i) => i.name)].filter((x): x is string => x !== undefined);
  const from = order.find((h) => probes[h]?.efm !== undefined);
  const view: FmView = { manager: 'efm', nodes: [] };
  if (!from) return view;
  const s = probes[from]!.efm!;
  view.from = from;
  for (const [address, n] of Object.entries(s.nodes)) {
    const name = nameOf(cluster, address, addresses)!;
    view.nodes.push({ name, role: n.type.toLowerCase(), state: n.db });
    if (n.type.toLowerCase() === 'primary') view.primary = name;
  }
  for (const missing of s.missingnodes) view.nodes.push({ name: nameOf(cluster, missing, addresses)!, role: 'missing', state: 'missing' });
  return view;
}

export interface EvaluateInput {
  cluster: Cluster;
  probes: Readonly<Record<string, HostProbe>>;
  addresses: Readonly<Record<string, string>>;
  /** Answers of clients connecting through each entry point, by route id (when checked). */
  routeAnswers?: Readonly<Record<string, RouteAnswer>>;
  routes: readonly Route[];
}

export function evaluateStatus(input: EvaluateInput): ClusterStatus {
  const { cluster, probes, addresses } = input;
  const fmName = cluster.failoverManager;
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
    if (!h.reachable) problems.push(p?.error?.startsWith('unreachable') ? `${i.name}: ${p.error}` : `${i.name}: unreachable${p?.error ? ` (${p.error})` : ''}`);
    for (const [unit, state] of Object.entries(h.services)) {
      // A stopped Postgres is said once, below, with what psql said.
      if (state !== 'active' && unit !== 'postgres') problems.push(`${i.name}: service ${unit} is ${state}`);
    }
    const witness = hasRole(i, 'witness') && !isDataNode(i);
    const pgHere = runsPostgres(i, fmName);
    if (!pgHere) return h;
    const f = facts[i.name]!;
    h.postgresRunning = f.postgresRunning;
    if (!h.reachable) h.live = 'down';
    else if (!f.postgresRunning) {
      h.live = 'down';
      const why = p?.errors.find((e) => /server|connect|socket/i.test(e));
      problems.push(`${i.name}: Postgres is not running${why ? ` (${why})` : ''}`);
    } else if (witness) h.live = 'witness';
    else h.live = f.inRecovery ? 'replica' : 'primary';
    if (p?.pg?.timeline !== undefined) h.timeline = p.pg.timeline;
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
  const fm = fmName === 'repmgr' ? repmgrView(cluster, probes, primary) : fmName === 'patroni' ? patroniView(cluster, probes, primary) : efmView(cluster, probes, primary, addresses);
  if (fm.from === undefined) {
    problems.push(`${fmName}: no node answered with the failover manager's view`);
  } else {
    if (primary && fm.primary !== primary) {
      problems.push(`${fmName} (asked on ${fm.from}) takes ${fm.primary ?? 'no node'} for the primary, but Postgres on ${primary} is the primary`);
    }
    const pgNodes = cluster.instances.filter((i) => (fmName === 'repmgr' ? runsPostgres(i, fmName) : fmName === 'efm' ? isDataNode(i) || isEfmWitness(cluster, i) : isDataNode(i)));
    for (const i of pgNodes) {
      const n = fm.nodes.find((x) => x.name === i.name);
      if (!n) problems.push(`${fmName} does not know ${i.name}`);
      else if (fmName === 'repmgr' && n.state !== 'running') problems.push(`repmgr sees ${i.name} as ${n.state}`);
      else if (fmName === 'patroni' && n.role !== 'leader' && !isRunningReplica({ name: n.name, role: n.role, state: n.state, pendingRestart: false })) problems.push(`Patroni sees ${i.name} as ${n.role} ${n.state}`);
      else if (fmName === 'efm' && n.role === 'missing') problems.push(`EFM misses ${i.name}`);
      if (n?.daemon === 'paused') warnings.push(`repmgrd is paused on ${i.name}: no automatic failover; run \`repmgr service unpause\` as postgres`);
      if (n?.daemon === 'stopped') warnings.push(`repmgrd does not run on ${i.name}: no automatic failover from there`);
      if (fmName === 'repmgr' && n && n.role === 'standby') {
        const live = hosts.find((h) => h.host === i.name);
        if (live?.upstream && n.upstream && live.upstream !== n.upstream) warnings.push(`repmgr records ${n.upstream} as ${i.name}'s upstream; it streams from ${live.upstream}`);
      }
    }
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
      if (!a.ok) reasons.push(`a client cannot get through: ${a.error}`);
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
    if (probes[s.barmanHost]?.reachable) {
      if (!p?.target) problems.push(`Barman server ${s.name} on ${s.barmanHost}: no server conf; run m1 deploy`);
      else if (s.followsPrimary && primary && p.target !== primary) problems.push(`Barman server ${s.name} on ${s.barmanHost} backs up ${p.target}, not the primary ${primary}; run m1 deploy to retarget it`);
      if (p?.check && !p.check.ok) problems.push(`barman check ${s.name} on ${s.barmanHost} fails: ${p.check.failed.join('; ') || 'exit status not 0'}`);
      if (b.backups === 0) warnings.push(`Barman server ${s.name} has no backup yet`);
    }
    barman.push(b);
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
    routes,
    barman,
    drift,
    warnings: warnings.filter((w) => !drift.includes(w)),
    problems,
    healthy: problems.length === 0,
  };
}
