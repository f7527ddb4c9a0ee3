/**
 * `m1 test <cluster-dir>`: end-to-end checks of a deployed cluster, one row
 * each, exit 1 when any fails: exactly one primary; a row written on it is
 * read on every replica; a client reaches the primary through every
 * PgBouncer / HAProxy write port (and writes through it), a replica through
 * every HAProxy read port; `barman check` passes; the failover manager sees
 * every node. Writes go to table m1.writes (writes.ts).
 */
import { hasRole, type Cluster } from '../../../src/inventory/cluster.js';
import { lastLines } from '../../../src/engine/text/tail.js';
import { managerFor } from '../../../roles/managers.js';
import { openCluster, runOn, type OpenCluster } from '../cluster.js';
import { localPsqlCommand, pollLocalCommand } from '../psql.js';
import { gatherSnapshot, type Snapshot } from '../status.js';
import { isDataNode } from '../probe/spec.js';
import { describeRoute, type Route } from '../routes.js';
import type { CheckRow } from '../table.js';
import { newToken, seenRowSql, writeRowSql, wroteToken } from '../writes.js';

export interface TestOptions {
  /** How long a replica may take to show the row (default 15 s). */
  replicaWaitMs?: number;
}

export interface TestOutcome {
  /** The cluster's name (config.yml's cluster_name). */
  cluster: string;
  exitCode: 0 | 1;
  rows: CheckRow[];
  durationMs: number;
}

/** The rows about the failover manager: it knows every node it should and sees each working. Pure. */
export function managerRows(cluster: Cluster, snap: Snapshot): CheckRow[] {
  const s = snap.status;
  const fm = s.fm;
  const manager = managerFor(cluster);
  const expected = manager.members(cluster);
  // A manager with no member runs nowhere (repmgr without a replica): nothing to ask it.
  if (expected.length === 0) return [];
  if (fm.from === undefined) return [{ check: `${fm.manager} sees every node`, ok: false, detail: 'no node answered with its view' }];
  const bad: string[] = [];
  for (const i of expected) {
    const n = fm.nodes.find((x) => x.name === i.name);
    if (!n) bad.push(`${i.name} unknown`);
    else if (!manager.works(n)) bad.push(`${i.name} ${n.state}`);
  }
  const agree = s.primary !== undefined && fm.primary === s.primary;
  return [
    { check: `${fm.manager} sees every node`, ok: bad.length === 0, detail: bad.length ? bad.join('; ') : `${expected.length} nodes, asked on ${fm.from}` },
    { check: `${fm.manager} agrees on the primary`, ok: agree, detail: `${fm.manager}: ${fm.primary ?? 'none'}; Postgres: ${s.primary ?? s.primaries.join(', ') ?? 'none'}` },
  ];
}

/** The rows about entry points, from the answers of clients that went through them (and wrote, for write ports). Pure. */
export function routeRows(snap: Snapshot, tokens: Readonly<Record<string, string>>): CheckRow[] {
  const s = snap.status;
  return s.routes.map((r) => {
    const what = describeRoute({ id: r.id, kind: r.kind, host: r.host, port: r.port, wants: r.wants });
    const a = snap.routeAnswers[r.id];
    if (r.wants === 'replica') return { check: `${what} reaches a replica`, ok: r.ok, detail: r.ok ? `a client reaches ${r.reaches ?? '?'}` : r.detail };
    const wrote = a?.ok === true && tokens[r.id] !== undefined && wroteToken(a.output) === tokens[r.id];
    const ok = r.ok && r.reachesPrimary === true && wrote;
    const why = wrote ? '' : ` but cannot write${a?.sqlError ? ` (${a.sqlError})` : ''}`;
    return { check: `${what} reaches the primary`, ok, detail: ok ? `a client reaches ${r.reaches} and writes` : r.ok ? `a client reaches ${r.reaches ?? '?'}${why}` : `${r.detail}${r.reaches !== undefined && !wrote && a?.sqlError ? `; writing: ${a.sqlError}` : ''}` };
  });
}

export function barmanRows(snap: Snapshot): CheckRow[] {
  return snap.status.barman.map((b) => ({
    check: `barman check ${b.server} (on ${b.host})`,
    ok: b.check?.ok === true,
    detail: !b.check ? 'not run (host unreachable?)' : b.check.ok ? `OK; backs up ${b.target ?? '?'}, ${b.backups} backup(s)` : b.check.failed.join('; ') || 'exit status not 0',
  }));
}

export async function runTests(oc: OpenCluster, options: TestOptions = {}): Promise<TestOutcome> {
  const t0 = performance.now();
  const { cluster } = oc;
  const tokens: Record<string, string> = {};
  const routeSql = (r: Route): string | undefined => {
    if (r.wants !== 'primary') return undefined;
    const t = (tokens[r.id] = newToken('test'));
    return writeRowSql(t, describeRoute(r));
  };
  const snap = await gatherSnapshot(oc, { routeSql });
  const s = snap.status;
  const rows: CheckRow[] = [];
  rows.push({ check: 'exactly one primary', ok: s.primary !== undefined, detail: s.primary ?? (s.primaries.length ? `several: ${s.primaries.join(', ')}` : 'none answers out of recovery') });

  // A row on the primary, then read on every other data node (in parallel, bounded).
  const version = cluster.postgresVersion;
  if (s.primary) {
    const token = newToken('test');
    const w = await runOn(oc.connectors, s.primary, localPsqlCommand(version, writeRowSql(token, `m1 test on ${s.primary}`)), { timeoutMs: 15_000 });
    const out = w.ok ? `${w.result.stdout}\n${w.result.stderr}` : w.error;
    const wrote = w.ok && w.result.code === 0 && wroteToken(out) === token;
    rows.push({ check: `write on the primary ${s.primary}`, ok: wrote, detail: wrote ? `row ${token} in m1.writes` : lastLines(out, 1) || 'failed' });
    const replicas = cluster.instances.filter((i) => isDataNode(i) && i.name !== s.primary);
    const tries = Math.max(1, Math.round((options.replicaWaitMs ?? 15_000) / 200));
    const reads = await Promise.all(
      replicas.map(async (i): Promise<CheckRow> => {
        const check = `${i.name} reads the write`;
        const h = s.hosts.find((x) => x.host === i.name);
        if (!h?.reachable) return { check, ok: false, detail: `unreachable${h?.error ? ` (${h.error})` : ''}` };
        if (!h.postgresRunning) return { check, ok: false, detail: 'Postgres is not running' };
        if (!wrote) return { check, ok: false, detail: 'nothing to read: the write on the primary failed' };
        const t = performance.now();
        const r = await runOn(oc.connectors, i.name, pollLocalCommand(version, seenRowSql(token), 'm1:seen=1', tries), { timeoutMs: (options.replicaWaitMs ?? 15_000) + 15_000 });
        const ms = Math.round(performance.now() - t);
        if (r.ok && r.result.code === 0) return { check, ok: true, detail: `seen after ${ms} ms (via ${h.upstream ?? '?'})` };
        const last = r.ok ? lastLines(r.result.stdout, 1) : r.error;
        return { check, ok: false, detail: `not seen within ${((options.replicaWaitMs ?? 15_000) / 1000).toFixed(0)} s${last ? ` (${last})` : ''}` };
      }),
    );
    rows.push(...reads);
  } else {
    rows.push({ check: 'write on the primary', ok: false, detail: 'no primary to write on' });
  }
  rows.push(...routeRows(snap, tokens));
  rows.push(...barmanRows(snap));
  rows.push(...managerRows(cluster, snap));
  // A host that runs nothing the rows above cover (etcd, HAProxy) still has its services checked.
  for (const h of s.hosts.filter((x) => !x.reachable && !cluster.instances.some((i) => i.name === x.host && (isDataNode(i) || hasRole(i, 'barman'))))) {
    rows.push({ check: `${h.host} answers`, ok: false, detail: h.error ?? 'unreachable' });
  }
  for (const h of s.hosts) {
    const down = Object.entries(h.services).filter(([u, st]) => st !== 'active' && u !== 'postgres');
    if (down.length > 0) rows.push({ check: `services on ${h.host}`, ok: false, detail: down.map(([u, st]) => `${u} ${st}`).join(', ') });
  }
  return { cluster: cluster.name, exitCode: rows.every((r) => r.ok) ? 0 : 1, rows, durationMs: Math.round(performance.now() - t0) };
}

export async function testCluster(dir: string, options: TestOptions = {}): Promise<TestOutcome> {
  const oc = await openCluster(dir);
  try {
    return await runTests(oc, options);
  } finally {
    await oc.close();
  }
}
