/**
 * Helpers for the Patroni scenarios: hosts made to look fresh, SQL sent from
 * the test machine through HAProxy / PgBouncer, Patroni's and etcd's own
 * views, config.yml edits.
 */
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { etcdEndpointHealthCommand, parseEndpointHealth, type EndpointHealth } from '../../../src/products/etcd/endpointHealthCommand.js';
import { etcdMembers } from '../../../src/products/etcd/members.js';
import { parsePatronictlList, type PatroniClusterStatus } from '../../../src/products/patroni/clusterStatus.js';
import { patronictlListCommand, patronictlSwitchoverCommand } from '../../../src/products/patroni/patronictl.js';
import { literal } from '../../../src/products/postgres/sqlQuote.js';
import { deployCluster, type DeployOutcome } from '../../../playbooks/deploy/deploy.js';
import { hasRole, runsPostgres } from '../../../src/inventory/cluster.js';
import type { ProvisionedTestCluster } from '../../support/provisioned.js';
import { caCertOf } from '../support/verifiedClient.js';

export const IMAGE = 'm1/debian-packages:bookworm';

/** Runs a command on a host; throws with its output when it fails. */
export async function on(tc: ProvisionedTestCluster, host: string, cmd: string, input?: string): Promise<string> {
  const r = await tc.ssh(host, cmd, input);
  if (r.code !== 0) throw new Error(`${host}: \`${cmd}\` exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

/**
 * The test image has every package of every role installed on every host, and
 * Debian starts their services (a Postgres on 127.0.0.1:5432 even on an
 * HAProxy node, a single-member etcd everywhere...). A real host has only its
 * own roles' packages: stop and disable the others, so deploy meets hosts as
 * they would be.
 */
export async function likeFreshHosts(tc: ProvisionedTestCluster): Promise<void> {
  const fm = tc.cluster.failoverManager;
  await Promise.all(
    tc.cluster.instances.map(async (i) => {
      const units: string[] = [];
      if (!runsPostgres(i, fm)) units.push(`postgresql@${tc.cluster.postgresVersion}-main`, 'postgresql');
      if (!hasRole(i, 'etcd')) units.push('etcd');
      if (!hasRole(i, 'pgbouncer')) units.push('pgbouncer');
      if (!hasRole(i, 'haproxy')) units.push('haproxy');
      await on(tc, i.name, `systemctl disable --now ${units.join(' ')} >/dev/null 2>&1 || true`);
    }),
  );
}

export function addressOf(tc: ProvisionedTestCluster, host: string): string {
  const h = tc.inventory.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no host ${host} in the inventory`);
  return h.address;
}

export async function storedPassword(tc: ProvisionedTestCluster, user: string): Promise<string> {
  return (await readFile(join(tc.dir, 'secrets', `${user}.password`), 'utf8')).trim();
}

export interface SqlAnswer {
  code: number;
  out: string;
  err: string;
}

/**
 * psql from the test machine (the Debian machines this runs on have the
 * client) to address:port as a client does: the application user `app` into
 * its database (superusers are refused from outside), over TLS, with the
 * stored password in the environment (never on a command line).
 */
export async function clientSql(tc: ProvisionedTestCluster, address: string, port: number, query: string, timeoutSeconds = 5, user = 'app'): Promise<SqlAnswer> {
  const password = await storedPassword(tc, user);
  const db = user === 'app' ? 'app' : 'postgres';
  const conninfo = `host=${address} port=${port} user=${user} dbname=${db} sslmode=require connect_timeout=${timeoutSeconds}`;
  return new Promise((resolve) => {
    execFile(
      'psql',
      ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', conninfo, '-c', query],
      { env: { ...process.env, PGPASSWORD: password, PGAPPNAME: 'm1e2ep' }, timeout: (timeoutSeconds + 10) * 1000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 255) : 0;
        resolve({ code, out: String(stdout).trim(), err: String(stderr).trim() });
      },
    );
  });
}

/** Where a session lands: the server's address and whether it is in recovery. */
export async function landsOn(tc: ProvisionedTestCluster, address: string, port: number, query = 'SELECT 1'): Promise<{ server: string; inRecovery: boolean } | undefined> {
  const r = await clientSql(tc, address, port, `${query}; SELECT host(inet_server_addr()) || '|' || CASE WHEN pg_is_in_recovery() THEN 't' ELSE 'f' END`);
  if (r.code !== 0) return undefined;
  const last = r.out.split('\n').pop() ?? '';
  const [server, rec] = last.split('|');
  return server ? { server, inRecovery: rec === 't' } : undefined;
}

/** The write each scenario sends: a row naming where it came through. */
export function writeQuery(via: string): string {
  return `CREATE TABLE IF NOT EXISTS m1e2ep_writes(via text, at timestamptz DEFAULT now()); INSERT INTO m1e2ep_writes(via) VALUES (${literal(via)})`;
}

export async function patronictlList(tc: ProvisionedTestCluster, host: string): Promise<PatroniClusterStatus> {
  return parsePatronictlList(await on(tc, host, patronictlListCommand(tc.cluster)));
}

export async function switchover(tc: ProvisionedTestCluster, from: string, to: string): Promise<string> {
  return on(tc, from, patronictlSwitchoverCommand(tc.cluster, from, to));
}

/** Every etcd member's health (GET /health over TLS), asked from `host`. */
export async function etcdHealth(tc: ProvisionedTestCluster, host: string): Promise<EndpointHealth[]> {
  const members = etcdMembers(tc.cluster);
  const r = await tc.ssh(host, etcdEndpointHealthCommand(members));
  return parseEndpointHealth(r.stdout || '[]', members);
}

/** psql -At as postgres on a host's local server (the clients' table m1e2ep_writes is in database app). */
export async function localSql(tc: ProvisionedTestCluster, host: string, query: string, db = 'postgres'): Promise<string> {
  const v = tc.cluster.postgresVersion;
  return (await on(tc, host, `cd / && runuser -u postgres -- /usr/lib/postgresql/${v}/bin/psql -XAtq -v ON_ERROR_STOP=1 -h /var/run/postgresql -d ${db}`, query)).trim();
}

/** Sets cluster_vars.<path> in config.yml, keeping the rest of the file as it is. */
export async function setClusterVar(tc: ProvisionedTestCluster, path: readonly string[], value: unknown): Promise<void> {
  const file = join(tc.dir, 'config.yml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  doc.setIn(['cluster_vars', ...path], value);
  await writeFile(file, doc.toString());
}

/** Polls `check` until true, at most `timeoutMs`; returns how long it took, or undefined. */
export async function within(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 250): Promise<number | undefined> {
  const t0 = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - t0;
    if (Date.now() - t0 > timeoutMs) return undefined;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * m1 deploy through the library, its output kept in `log` (emptied first);
 * prints the wall time and summary; throws with the failures and the end of
 * the output when a step failed.
 */
export async function deployLogged(tc: ProvisionedTestCluster, log: string[]): Promise<DeployOutcome> {
  log.length = 0;
  const t0 = Date.now();
  const outcome = await deployCluster(tc.dir, { write: (t) => void log.push(t), tty: false });
  console.log(`deploy ${tc.cluster.name}: ${Date.now() - t0} ms wall (run ${outcome.timings.runMs} ms): ${outcome.summary}`);
  if (outcome.exitCode !== 0) throw new Error(`deploy failed:\n${outcome.result.failures.join('\n')}\n${log.join('').slice(-4000)}`);
  return outcome;
}

export interface HttpAnswer {
  /** HTTP status; 0 when there was no HTTP answer (refused, TLS failed, timed out). */
  status: number;
  body: string;
  /** Why there was no answer. */
  error?: string;
}

/**
 * One request from the test machine to `url` as a client outside the cluster
 * makes it: over https the server's certificate is checked against the
 * cluster CA (<cluster-dir>/tls/ca.crt) and must name the host the URL names.
 */
export async function httpFromOutside(
  tc: ProvisionedTestCluster,
  url: string,
  opts: { method?: string; body?: string; auth?: { user: string; password: string }; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  const u = new URL(url);
  const secure = u.protocol === 'https:';
  const ca = secure ? await readFile(caCertOf(tc.dir), 'utf8') : undefined;
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
  if (opts.auth) headers['Authorization'] = `Basic ${Buffer.from(`${opts.auth.user}:${opts.auth.password}`).toString('base64')}`;
  return new Promise((resolve) => {
    const req = (secure ? httpsRequest : httpRequest)(url, { method: opts.method ?? 'GET', headers, timeout: opts.timeoutMs ?? 5000, ...(ca ? { ca } : {}) }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => resolve({ status: 0, body: '', error: e.message }));
    req.end(opts.body);
  });
}

/** etcd's v3 JSON gateway from the test machine: a range read of `key` (with a token from etcdLogin, or none). */
export function etcdRange(tc: ProvisionedTestCluster, baseUrl: string, key: string, token?: string, prefix = false): Promise<HttpAnswer> {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const body: Record<string, string> = { key: b64(key) };
  if (prefix) body.range_end = b64(key.slice(0, -1) + String.fromCharCode(key.charCodeAt(key.length - 1) + 1));
  return httpFromOutside(tc, `${baseUrl}/v3/kv/range`, { method: 'POST', body: JSON.stringify(body), ...(token ? { headers: { Authorization: token } } : {}) });
}

/** A token for `user` (POST /v3/auth/authenticate); undefined when etcd refuses the password. */
export async function etcdLogin(tc: ProvisionedTestCluster, baseUrl: string, user: string, password: string): Promise<string | undefined> {
  const r = await httpFromOutside(tc, `${baseUrl}/v3/auth/authenticate`, { method: 'POST', body: JSON.stringify({ name: user, password }) });
  if (r.status !== 200) return undefined;
  return (JSON.parse(r.body) as { token?: string }).token;
}
