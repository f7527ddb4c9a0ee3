/**
 * `npm run bench:switchover`: m1 switchover timed on real clusters, as JSON on
 * stdout (progress on stderr). Per failover manager: a cluster with three
 * data nodes made by configure + provision + deploy (packages preinstalled in
 * the image), then RUNS switchovers back and forth between two replicas while
 * a client writes numbered rows through an entry point on neither node
 * (repmgr: the third node's PgBouncer; Patroni: an HAProxy). Per run: the
 * whole command, the time until the target took writes, until PgBouncer was
 * repointed, the no-write window the client saw, and whether every
 * acknowledged row survived. Clusters live in <tmp>/m1-bench-switchover and
 * are removed afterwards (M1_BENCH_KEEP=1 keeps them).
 *
 *   M1_BENCH_FM=repmgr|patroni|all (default repmgr)   M1_BENCH_RUNS (default 3)
 */
import { HostError } from '../../src/errors.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasRole, type Cluster } from '../../src/inventory/cluster.js';
import { readSecret } from '../../src/secrets/index.js';
import { tlsDir } from '../../src/secrets/clusterCa.js';
import { clientLogin } from '../../src/products/postgres/applications.js';
import { openCluster, runOn } from '../operate/cluster.js';
import { localPsqlCommand } from '../operate/psql.js';
import { switchoverCluster } from '../operate/switchover/run.js';
import { isDataNode } from '../operate/probe/spec.js';
import { Writer } from './writer.js';
import { BENCH_IMAGE, benchEach, benchedManagers, makeBenchCluster, medians, removeBenchCluster } from './benchCluster.js';

const ROOT = join(tmpdir(), 'm1-bench-switchover');
const RUNS = Math.max(1, Number(process.env['M1_BENCH_RUNS'] ?? 3));
const log = (s: string) => process.stderr.write(`bench:switchover: ${s}\n`);
const TABLE = 'm1_bench_writes';

type Fm = 'repmgr' | 'patroni';

/** What differs between the benched managers' clusters and runs. */
interface Setup {
  dir: string;
  /** The entry point the client writes through. */
  entryPoint: { enablePgbouncer: true } | { enableHaproxy: true };
  /** The two replicas the runs switch between (`a` first). */
  replicas(cluster: Cluster, primary: string): string[];
  /** The client's entry point, on neither switchover node. */
  entry(cluster: Cluster, b: string): { host: string; port: number };
  /** The next run's target. */
  next(current: string, primary: string, a: string, b: string): string;
}

const SETUPS: Readonly<Record<Fm, Setup>> = {
  // primary -> a -> primary -> a ... (b carries the client's PgBouncer)
  repmgr: {
    dir: 'm1benchsr',
    entryPoint: { enablePgbouncer: true },
    replicas: (cluster, primary) => cluster.instances.filter((i) => isDataNode(i) && i.name !== primary && i.upstream === primary).map((i) => i.name),
    entry: (_cluster, b) => ({ host: b, port: 6432 }),
    next: (current, primary, a) => (current === primary ? a : primary),
  },
  // between a and b, through an HAProxy
  patroni: {
    dir: 'm1benchsp',
    entryPoint: { enableHaproxy: true },
    replicas: (cluster, primary) => cluster.instances.filter((i) => isDataNode(i) && i.name !== primary).map((i) => i.name),
    entry: (cluster) => ({ host: cluster.instances.find((i) => hasRole(i, 'haproxy'))!.name, port: 5432 }),
    next: (current, _primary, a, b) => (current === a ? b : a),
  },
};

async function makeCluster(fm: Fm): Promise<string> {
  const dir = join(ROOT, SETUPS[fm].dir);
  log(`${fm}: configure + provision + deploy ${dir}`);
  return makeBenchCluster(dir, {
    architecture: 'M1',
    postgresql: '15',
    failoverManager: fm,
    dataNodesPerLocation: '3',
    clusterPrefixedHostnames: true,
    ...SETUPS[fm].entryPoint,
  });
}

async function bench(fm: Fm) {
  const dir = await makeCluster(fm);
  const oc = await openCluster(dir);
  const { cluster } = oc;
  const runs: Record<string, unknown>[] = [];
  try {
    const primary = cluster.instances.find((i) => hasRole(i, 'primary'))!.name;
    const setup = SETUPS[fm];
    const replicas = setup.replicas(cluster, primary);
    const [a, b] = [replicas[0]!, replicas[1]!];
    const entry = setup.entry(cluster, b);
    const address = oc.addresses[entry.host]!;
    // The writer logs in as a client does, as the application user (superusers are refused from outside).
    const login = clientLogin(cluster);
    if (!login) throw new HostError(`${fm}: the cluster has no application user to write as`);
    const created = await runOn(
      oc.connectors,
      primary,
      localPsqlCommand(cluster.postgresVersion, `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); ALTER TABLE ${TABLE} OWNER TO ${login.user}`, login.database),
    );
    if (!created.ok || created.result.code !== 0) throw new HostError(`${fm}: cannot create ${TABLE} on ${primary}`);
    const password = await readSecret(dir, login.user);
    let current = primary;
    let next = 1;
    for (let n = 0; n < RUNS; n++) {
      const target = setup.next(current, primary, a, b);
      const writer = new Writer({ host: address, port: entry.port, user: login.user, database: login.database, password, table: TABLE, caFile: join(tlsDir(dir), 'ca.crt') }, next).start();
      await writer.waitForMore(20, 120_000);
      log(`${fm} run ${n + 1}/${RUNS}: ${current} -> ${target}`);
      const out = await switchoverCluster(dir, target, {});
      await writer.waitForMore(20, 180_000).catch(() => undefined);
      const w = await writer.stop();
      next = Math.max(next, ...w.acked.map((x) => x.id)) + 1000;
      // In the application's database, where the writer wrote; a failed read is an error, never "all lost".
      const ids = await runOn(oc.connectors, target, localPsqlCommand(cluster.postgresVersion, `SELECT id FROM ${TABLE}`, login.database));
      if (!ids.ok || ids.result.code !== 0) throw new HostError(`${fm}: cannot read ${TABLE} on ${target}: ${ids.ok ? ids.result.stderr.trim() : ids.error}`);
      const present = new Set(ids.result.stdout.split('\n').filter(Boolean).map(Number));
      const t = out.timings;
      runs.push({
        from: current,
        to: target,
        exit: out.exitCode,
        failed_checks: out.rows.filter((r) => !r.ok).map((r) => r.check),
        total_ms: t.totalMs,
        preconditions_ms: t.preconditionsMs,
        writable_after_ms: t.writableAfterMs ?? null,
        pgbouncer_repointed_after_ms: t.repointedAfterMs ?? null,
        manager_ms: t.managerMs,
        barman_ms: t.barmanMs,
        verify_ms: t.verifyMs,
        verify_readings: t.verifyReadings,
        no_write_window_ms: w.longestGapMs,
        acked_writes: w.acked.length,
        failed_attempts: w.failures,
        lost_acked_writes: w.acked.filter((x) => !present.has(x.id)).length,
      });
      if (out.exitCode === 0) current = target;
      else break;
    }
  } finally {
    await oc.close();
    if (!process.env['M1_BENCH_KEEP']) await removeBenchCluster(dir);
  }
  return {
    failover_manager: fm,
    runs,
    median: medians(runs, ['total_ms', 'writable_after_ms', 'pgbouncer_repointed_after_ms', 'manager_ms', 'no_write_window_ms']),
  };
}

async function main(): Promise<void> {
  const fms = benchedManagers(Object.keys(SETUPS) as Fm[], 'repmgr');
  const results = await benchEach(fms, bench, log);
  process.stdout.write(JSON.stringify({ bench: 'switchover', image: BENCH_IMAGE, runs_per_manager: RUNS, load_average: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10), results }, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:switchover: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
