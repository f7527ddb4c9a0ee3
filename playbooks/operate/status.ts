/**
 * `m1 status` as a library call: every host read at once with one command
 * each (plus one per host that checks an HAProxy from a data node), then
 * evaluated (health.ts). Read-only: no lock, nothing changed.
 */
import type { Cluster } from '../../src/inventory/cluster.js';
import { readSecret, RENEW_DAYS, storedCertificateExpiry } from '../../src/secrets/index.js';
import { clientLogin, type ClientLogin } from '../../src/products/postgres/applications.js';
import { evaluateStatus, type CertificateExpiry, type ClusterStatus } from './health.js';
import { openCluster, runOn, type OpenCluster } from './cluster.js';
import { buildProbeCommand } from './probe/command.js';
import { parseProbe, unreachableProbe, type HostProbe } from './probe/parse.js';
import { isDataNode, probeSpec } from './probe/spec.js';
import { buildRouteCommand, clusterRoutes, parseRouteOutput, type Route, type RouteAnswer, type RouteCheck } from './routes.js';

export interface GatherOptions {
  /** Run `barman check` (default true). */
  barmanCheck?: boolean;
  /** Connect through every PgBouncer / HAProxy as a client would (default true; needs secrets/postgres.password). */
  routes?: boolean;
  /** Extra SQL to run through each write route (m1 test writes a row). */
  routeSql?: (route: Route) => string | undefined;
  /** Bound for each host's command (default 60 s). */
  timeoutMs?: number;
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
  const routes = clusterRoutes(cluster);
  const creds = options.routes === false || routes.length === 0 ? undefined : await clientCredentials(cluster);
  const password = creds?.password;
  const checkOf = (r: Route): RouteCheck => {
    const sql = options.routeSql?.(r);
    return sql ? { route: r, sql } : { route: r };
  };
  // Routes checked from their own host go in that host's probe: one command per host.
  const ownHost = (r: Route) => cluster.instances.some((i) => i.name === r.host && isDataNode(i));
  const probes: Record<string, HostProbe> = {};
  const routeAnswers: Record<string, RouteAnswer> = {};
  await Promise.all(
    cluster.instances.map(async (i) => {
      const spec = probeSpec(cluster, i, { barmanCheck: options.barmanCheck ?? true });
      const mine = password ? routes.filter((r) => r.host === i.name && ownHost(r)).map(checkOf) : [];
      const cmd = mine.length > 0 ? `${buildRouteCommand(cluster.postgresVersion, mine, creds!.login)}\n${buildProbeCommand(spec)}` : buildProbeCommand(spec);
      const r = await runOn(oc.connectors, i.name, cmd, { timeoutMs: options.timeoutMs, ...(mine.length > 0 ? { stdin: `${password}\n` } : {}) });
      if (!r.ok) {
        probes[i.name] = unreachableProbe(i.name, r.error);
        for (const c of mine) routeAnswers[c.route.id] = { id: c.route.id, ok: false, output: '', error: `${i.name} unreachable` };
        return;
      }
      probes[i.name] = parseProbe(spec, r.result.stdout);
      Object.assign(routeAnswers, parseRouteOutput(r.result.stdout));
    }),
  );
  // The others (HAProxy hosts hold no psql) from a reachable data node, grouped by that node.
  if (password) {
    const byRunner = new Map<string, RouteCheck[]>();
    for (const r of routes.filter((x) => !ownHost(x))) {
      const runner = routeRunner(cluster, r, (h) => probes[h]?.reachable === true);
      if (!runner) {
        routeAnswers[r.id] = { id: r.id, ok: false, output: '', error: 'no data node is reachable to check it from' };
        continue;
      }
      byRunner.set(runner, [...(byRunner.get(runner) ?? []), checkOf(r)]);
    }
    await Promise.all(
      [...byRunner].map(async ([runner, checks]) => {
        const r = await runOn(oc.connectors, runner, buildRouteCommand(cluster.postgresVersion, checks, creds!.login), { stdin: `${password}\n`, timeoutMs: options.timeoutMs });
        if (!r.ok) for (const c of checks) routeAnswers[c.route.id] = { id: c.route.id, ok: false, output: '', error: `${runner} unreachable` };
        else Object.assign(routeAnswers, parseRouteOutput(r.result.stdout));
      }),
    );
  }
  const status = evaluateStatus({ cluster, probes, addresses: oc.addresses, routes, routeAnswers });
  status.certificates = await certificateExpiries(cluster);
  for (const c of status.certificates.filter((x) => x.daysLeft < RENEW_DAYS)) {
    status.warnings.push(`certificate of ${c.host === 'ca' ? 'the cluster CA' : c.host} expires ${c.notAfter} (${c.daysLeft} days)${c.host === 'ca' ? '' : ': m1 deploy renews it'}`);
  }
  if (!password && routes.length > 0 && options.routes !== false) status.warnings.push(
      `entry points not checked by connecting: ${clientLogin(cluster) ? `no ${cluster.dir}/secrets/${clientLogin(cluster)!.user}.password` : 'postgres_users names no login user with a generated password'}`,
    );
  return { status, probes, routeAnswers, gatheredMs: Math.round(performance.now() - t0) };
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

/** Opens the cluster directory, reads every host, closes. */
export async function clusterStatus(dir: string, options: GatherOptions = {}): Promise<StatusResult> {
  const oc = await openCluster(dir);
  try {
    const snap = await gatherSnapshot(oc, options);
    return { ...snap, configWarnings: oc.configWarnings };
  } finally {
    await oc.close();
  }
}
