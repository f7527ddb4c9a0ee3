/**
 * Entry points clients use (PgBouncer on 6432, HAProxy's write and read
 * ports), and the command that connects through them the way a client does
 * (TLS, SCRAM as the application user: superusers are refused there) to see
 * which server answers. The password travels
 * on stdin; one command per host that runs the checks, each route in turn.
 */
import { lastLines, quote } from '../../src/engine/index.js';
import { boundedShell, CUT_KEY, timeoutSeconds } from '../../src/live/bounded.js';
import { hasRole, type Cluster, type PostgresVersion } from '../../src/inventory/cluster.js';
import { binDir } from '../../src/products/postgres/layout.js';
import { VERIFY_CLUSTER_SERVER } from '../../src/products/postgres/certificates.js';
import { PGBOUNCER_PORT } from '../../src/products/pgbouncer/layout.js';
import { haproxyPorts } from '../../src/products/haproxy/config.js';
import type { ClientLogin } from '../../src/products/postgres/applications.js';

export type RouteKind = 'pgbouncer' | 'haproxy-write' | 'haproxy-read';

export interface Route {
  /** Stable id: `<kind>:<host>`. */
  id: string;
  kind: RouteKind;
  /** The host the entry point runs on. */
  host: string;
  port: number;
  /** Writes go here (the primary); reads go to a replica. */
  wants: 'primary' | 'replica';
}

export function clusterRoutes(cluster: Cluster): Route[] {
  const out: Route[] = [];
  for (const i of cluster.instances) {
    if (hasRole(i, 'pgbouncer')) out.push({ id: `pgbouncer:${i.name}`, kind: 'pgbouncer', host: i.name, port: PGBOUNCER_PORT, wants: 'primary' });
    if (hasRole(i, 'haproxy')) {
      const p = haproxyPorts(cluster, i);
      out.push({ id: `haproxy-write:${i.name}`, kind: 'haproxy-write', host: i.name, port: p.writePort, wants: 'primary' });
      out.push({ id: `haproxy-read:${i.name}`, kind: 'haproxy-read', host: i.name, port: p.readPort, wants: 'replica' });
    }
  }
  return out;
}

export function describeRoute(r: Route): string {
  const what = r.kind === 'pgbouncer' ? 'PgBouncer' : r.kind === 'haproxy-write' ? 'HAProxy writes' : 'HAProxy reads';
  return `${what} ${r.host}:${r.port}`;
}

/** Which server answered: its recovery state, address and cluster_name. */
export const ROUTE_SQL =
  "SELECT 'm1:answer=' || concat_ws('|', pg_is_in_recovery(), coalesce(host(inet_server_addr()), ''), current_setting('cluster_name'))";

export interface RouteCheck {
  route: Route;
  /** Extra SQL run through the route after ROUTE_SQL (e.g. a write); its output lines are kept. */
  sql?: string;
}

/**
 * One command checking routes from the host it runs on: reads the postgres
 * password of `login` from stdin, then per route `m1:route:<id>=<status>:<base64 output>`.
 * With `boundS` (m1 status) the routes are checked side by side, each cut
 * short after that long (`m1:cut=route:<id>`): a PgBouncer waiting on a dead
 * primary holds a client far longer than connect_timeout.
 */
export function buildRouteCommand(version: PostgresVersion, checks: readonly RouteCheck[], login: ClientLogin, boundS?: number): string {
  const psql = `${binDir(version)}/psql`;
  // A subshell: the password must not reach the commands that follow (repmgr would log in with it).
  const lines = ['(', 'IFS= read -r PGPASSWORD; export PGPASSWORD'];
  const parts = checks.map((c) => {
    // The host checks by name against the cluster CA on it: a route to a server with another certificate fails.
    const conninfo = `host=${c.route.host} port=${c.route.port} dbname=${login.database} user=${login.user} ${VERIFY_CLUSTER_SERVER} connect_timeout=3 application_name=m1_check`;
    const sqls = [ROUTE_SQL, ...(c.sql ? [c.sql] : [])].map((s) => `-c ${quote(s)}`).join(' ');
    return { id: `route:${c.route.id}`, shell: `out=$(cd / && ${psql} -XAtq -v ON_ERROR_STOP=1 ${quote(conninfo)} ${sqls} 2>&1); echo "m1:route:${c.route.id}=$?:$(printf '%s' "$out" | base64 -w0)"` };
  });
  if (boundS === undefined) lines.push(...parts.map((p) => p.shell));
  else lines.push(boundedShell(parts, boundS));
  lines.push('true', ')');
  return lines.join('\n');
}

export interface RouteAnswer {
  id: string;
  ok: boolean;
  /** Recovery state of the server that answered. */
  inRecovery?: boolean;
  /** Its address and cluster_name (m1 sets it to the host name). */
  address?: string;
  clusterName?: string;
  /** Output of the extra SQL. */
  output: string;
  /** The client's error, one line (it could not connect, or got no answer). */
  error?: string;
  /** It answered, but the extra SQL failed: its error, one line. */
  sqlError?: string;
  /** No answer within the bound of a bounded check (seconds): not known either way. */
  cutAfterS?: number;
}

/** `boundS`: the bound the command was built with, said in a cut route's answer. */
export function parseRouteOutput(stdout: string, boundS?: number): Record<string, RouteAnswer> {
  const out: Record<string, RouteAnswer> = {};
  for (const line of stdout.split('\n')) {
    const cut = new RegExp(`^m1:${CUT_KEY}=route:(.+)$`).exec(line);
    if (cut) {
      const id = cut[1]!;
      const s = boundS === undefined ? undefined : Number(timeoutSeconds(boundS));
      out[id] = { id, ok: false, output: '', error: `no answer within ${s ?? '?'} s`, ...(s !== undefined ? { cutAfterS: s } : {}) };
      continue;
    }
    const m = /^m1:route:([^=]+)=(\d+):(.*)$/.exec(line);
    if (!m) continue;
    const id = m[1]!;
    const code = Number(m[2]);
    const text = Buffer.from(m[3]!, 'base64').toString('utf8');
    const answer = /^m1:answer=(.*)$/m.exec(text)?.[1]?.split('|');
    const rest = text.split('\n').filter((l) => !l.startsWith('m1:answer=')).join('\n').trim();
    // Connected and answered: the route works, whatever the extra SQL then did (its error is kept apart).
    const a: RouteAnswer = { id, ok: answer !== undefined, output: rest };
    if (answer) {
      a.inRecovery = answer[0] === 't' || answer[0] === 'true';
      if (answer[1]) a.address = answer[1];
      if (answer[2]) a.clusterName = answer[2];
    }
    const lastLine = lastLines(rest || `psql exited ${code}`, 1).replace(/^psql: (error: )?/, '');
    if (!a.ok) a.error = lastLine;
    else if (code !== 0) a.sqlError = lastLine;
    out[id] = a;
  }
  return out;
}
