/**
 * `m1 status` as a library call: every host read at once with one command
 * each (plus one that checks the HAProxy entry points from the first data
 * node to answer), then evaluated (health.ts). Read-only: no lock, nothing
 * changed.
 *
 * With a deadline (m1 status), a crashed or partitioned host costs a bounded
 * slice, never a wait: each command's steps that wait on other hosts are cut
 * short to fit what is left (probe/spec.ts boundS), and a host that has not
 * answered by the deadline is reported as not read.
 */
import type { Cluster } from '../../src/inventory/cluster.js';
import { readSecret, RENEW_DAYS, storedCertificateExpiry } from '../../src/secrets/index.js';
import { clientLogin, type ClientLogin } from '../../src/products/postgres/applications.js';
import { evaluateStatus, type CertificateExpiry, type ClusterStatus } from './health.js';
import { connectOn, openCluster, runOn, type OpenCluster } from './cluster.js';
import { beforeDeadline, deadlineIn, leftMs, stepBoundS, type Deadline } from './deadline.js';
import { buildProbeCommand } from './probe/command.js';
import { notReadProbe, parseProbe, unreachableProbe, type HostProbe } from './probe/parse.js';
import { isDataNode, probeSpec } from './probe/spec.js';
import { buildRouteCommand, clusterRoutes, parseRouteOutput, type Route, type RouteAnswer, type RouteCheck } from './routes.js';

export interface GatherOptions {
  /** Run `barman check` (default true). */
  barmanCheck?: boolean;
  /** Connect through every PgBouncer / HAProxy as a client would (default true; needs secrets/postgres.password). */
  routes?: boolean;
  /** Extra SQL to run through each write route (m1 test writes a row). */
  routeSql?: (route: Route) => string | undefined;
  /** Bound for each host's command when there is no deadline (default 60 s). */
  timeoutMs?: number;
  /** Answer by then, saying what was not read (m1 status); unset: wait for every host (switchover, m1 test). */
  deadline?: Deadline;
}

export interface Snapshot {
  status: ClusterStatus;
  probes: Record<string, HostProbe>;
  routeAnswers: Record<string, RouteAnswer>;
  /** Wall time of the reading, ms. */
  gatheredMs: number;
}

/** The host a route is checked from: its own host when that has psql (a Postgres host), else a reachable data node. */
function routeRunner(cluster: Cluster, route: Route, reachable: (h: string) => boolean): string | undefined {
  const own = cluster.instances.find((i) => i.name === route.host);
  if (own && isDataNode(own)) return own.name;
  return cluster.instances.filter(isDataNode).find((i) => reachable(i.name))?.name;
}

/** The application user's login and password for the entry-point checks, if there is one with a stored password. */
async function clientCredentials(cluster: Cluster): Promise<{ login: ClientLogin; password: string } | undefined> {
  const login = clientLogin(cluster);
  if (!login) return undefined;
  try {
    return { login, password: await readSecret(cluster.dir, login.user) };
  } catch {
    return undefined;
  }
}

export async function gatherSnapshot(oc: OpenCluster, options: GatherOptions = {}): Promise<Snapshot> {
  const t0 = performance.now();
  const { cluster } = oc;
  const d = options.deadline;
  const routes = clusterRoutes(cluster);
  const creds = options.routes === false || routes.length === 0 ? undefined : await clientCredentials(cluster);
  const password = creds?.password;
  const checkOf = (r: Route): RouteCheck => {
    const sql = options.routeSql?.(r);
    return sql ? { route: r, sql } : { route: r };
  };
  const timeoutMs = (): number => (d ? Math.max(1000, leftMs(d) + 2000) : (options.timeoutMs ?? 60_000));
  // Routes checked from their own host go in that host's probe: one command per host.
  const ownHost = (r: Route) => cluster.instances.some((i) => i.name === r.host && isDataNode(i));
  const probes: Record<string, HostProbe> = {};
  const routeAnswers: Record<string, RouteAnswer> = {};
  const stage: Record<string, 'connecting' | 'reading'> = {};
  const readHost = async (i: Cluster['instances'][number]): Promise<HostProbe> => {
    const mine = password ? routes.filter((r) => r.host === i.name && ownHost(r)).map(checkOf) : [];
    const fail = (error: string): HostProbe => {
      for (const c of mine) routeAnswers[c.route.id] = { id: c.route.id, ok: false, output: '', error: `${i.name} unreachable` };
      return unreachableProbe(i.name, error);
    };
    stage[i.name] = 'connecting';
    // Connected first, so that the bound given to the steps is what is left once the host is there.
    const connectError = d ? await connectOn(oc.connectors, i.name) : undefined;
    if (connectError !== undefined) return fail(connectError);
    stage[i.name] = 'reading';
    // Its routes and its probe run in turn: each gets half of what is left.
    const bound = d ? stepBoundS(d, performance.now(), mine.length > 0 ? 0.5 : 1) : undefined;
    const spec = { ...probeSpec(cluster, i, { barmanCheck: options.barmanCheck ?? true }), ...(bound !== undefined ? { boundS: bound } : {}) };
    const cmd = mine.length > 0 ? `${buildRouteCommand(cluster.postgresVersion, mine, creds!.login, bound)}\n${buildProbeCommand(spec)}` : buildProbeCommand(spec);
    const r = await runOn(oc.connectors, i.name, cmd, { timeoutMs: timeoutMs(), ...(mine.length > 0 ? { stdin: `${password}\n` } : {}) });
    if (!r.ok) return fail(r.error);
    Object.assign(routeAnswers, parseRouteOutput(r.result.stdout, bound));
    return parseProbe(spec, r.result.stdout);
  };
  const reading = new Map(cluster.instances.map((i) => [i.name, readHost(i)]));
  // The others (HAProxy hosts hold no psql) from the first data node to answer.
  const others = password ? routes.filter((x) => !ownHost(x)).map(checkOf) : [];
  const checkOthers = async (): Promise<void> => {
    if (others.length === 0) return;
    const dataNodes = cluster.instances.filter(isDataNode).map((i) => reading.get(i.name)!);
    const runner = await new Promise<string | undefined>((resolve) => {
      let left = dataNodes.length;
      const none = () => --left === 0 && resolve(undefined);
      if (left === 0) resolve(undefined);
      for (const p of dataNodes) void p.then((x) => (x.reachable ? resolve(x.host) : none()), none);
    });
    const noAnswer = (error: string) => {
      for (const c of others) routeAnswers[c.route.id] = { id: c.route.id, ok: false, output: '', error };
    };
    if (!runner) return noAnswer('no data node is reachable to check it from');
    const bound = d ? stepBoundS(d) : undefined;
    const r = await runOn(oc.connectors, runner, buildRouteCommand(cluster.postgresVersion, others, creds!.login, bound), { stdin: `${password}\n`, timeoutMs: timeoutMs() });
    if (!r.ok) noAnswer(`${runner} unreachable`);
    else Object.assign(routeAnswers, parseRouteOutput(r.result.stdout, bound));
  };
  const [answers] = await Promise.all([
    Promise.all(cluster.instances.map(async (i) => [i.name, await beforeDeadline(d, reading.get(i.name)!)] as const)),
    beforeDeadline(d, checkOthers()),
  ]);
  for (const [host, a] of answers) probes[host] = a === 'late' ? notReadProbe(host, d!.withinS, stage[host]!) : a.value;
  // What is still running past the deadline writes into routeAnswers: the snapshot keeps what was there at the deadline.
  const answered: Record<string, RouteAnswer> = { ...routeAnswers };
  if (d && password) {
    for (const r of routes) answered[r.id] ??= { id: r.id, ok: false, output: '', error: `not read within ${d.withinS} s`, cutAfterS: d.withinS };
  }
  const status = evaluateStatus({ cluster, probes, addresses: oc.addresses, routes, routeAnswers: answered });
  status.certificates = await certificateExpiries(cluster);
  for (const c of status.certificates.filter((x) => x.daysLeft < RENEW_DAYS)) {
    status.warnings.push(`certificate of ${c.host === 'ca' ? 'the cluster CA' : c.host} expires ${c.notAfter} (${c.daysLeft} days)${c.host === 'ca' ? '' : ': m1 deploy renews it'}`);
  }
  if (!password && routes.length > 0 && options.routes !== false) status.warnings.push(
      `entry points not checked by connecting: ${clientLogin(cluster) ? `no ${cluster.dir}/secrets/${clientLogin(cluster)!.user}.password` : 'postgres_users names no login user with a generated password'}`,
    );
  return { status, probes, routeAnswers: answered, gatheredMs: Math.round(performance.now() - t0) };
}

/** The CA's and each host's certificate expiry, from the cluster directory (what deploy installs); none before the first deploy. */
async function certificateExpiries(cluster: Cluster): Promise<CertificateExpiry[]> {
  const out: CertificateExpiry[] = [];
  for (const host of ['ca', ...cluster.instances.map((i) => i.name)]) {
    const c = await storedCertificateExpiry(cluster.dir, host).catch(() => undefined);
    if (c) out.push({ host, notAfter: c.notAfter.toISOString().slice(0, 10), daysLeft: c.daysLeft });
  }
  return out;
}

/** What `m1 status` reads: the snapshot, and config.yml's warnings. */
export type StatusResult = Snapshot & { configWarnings: string[] };

/** With a deadline, a host whose SSH connection is not up after this long is unreachable (a crashed host's address stops answering). */
export const STATUS_CONNECT_MS = 2000;

/** Opens the cluster directory, reads every host, closes. */
export async function clusterStatus(dir: string, options: GatherOptions = {}): Promise<StatusResult> {
  const oc = await openCluster(dir, options.deadline ? { connectTimeoutMs: STATUS_CONNECT_MS } : {});
  try {
    const snap = await gatherSnapshot(oc, options);
    return { ...snap, configWarnings: oc.configWarnings };
  } finally {
    await oc.close();
  }
}
