/**
 * `npm run bench:drill`: `m1 drill` repeated on real clusters, as JSON on
 * stdout (progress on stderr). Per failover manager, the clusters the drill
 * e2e scenarios use: repmgr with two locations of two data nodes, PgBouncer
 * on each and repmgr_redirect_pgbouncer; Patroni with etcd and HAProxy. Per
 * scenario (crash-primary, partition-primary) RUNS drills, each report kept,
 * with the medians of detection, fence, promotion and of how long after the
 * promotion the slowest following write entry point followed. Then a quiet
 * run: QUIET_S seconds of writes through an entry point with no fault while
 * BUSY processes keep every core busy, every data node sampled every 2 s:
 * a promotion or a fence there is a false failover. Clusters live in
 * <tmp>/m1-bench-drill and are removed afterwards (M1_BENCH_KEEP=1 keeps them).
 *
 *   M1_BENCH_FM=repmgr|patroni|all (default all)   M1_BENCH_RUNS (default 3)
 *   M1_BENCH_DRILL_S (fault duration, default 60)   M1_BENCH_QUIET_S (default 600)
 *   M1_BENCH_BUSY (busy processes during the quiet run, default: the number of cores)
 *   M1_BENCH_SCENARIOS (comma-separated, default crash-primary,partition-primary)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HostError, RefusedError, UsageError } from '../../src/errors.js';
import { quote } from '../../src/engine/index.js';
import { hasRole, type Cluster } from '../../src/inventory/cluster.js';
import { readSecret } from '../../src/secrets/index.js';
import { tlsDir } from '../../src/secrets/clusterCa.js';
import { clientLogin } from '../../src/products/postgres/applications.js';
import { openCluster, runOn, type OpenCluster } from '../operate/cluster.js';
import { localPsqlCommand } from '../operate/psql.js';
import { isDataNode } from '../operate/probe/spec.js';
import { drillCluster } from '../drill/run.js';
import type { DrillReport } from '../drill/report.js';
import type { Scenario } from '../drill/scenarios.js';
import { Writer } from './writer.js';
import { followAfterPromoteS } from './drillFigures.js';
import { BENCH_IMAGE, benchEach, benchedManagers, column, makeBenchCluster, medians, removeBenchCluster } from './benchCluster.js';

const ROOT = join(tmpdir(), 'm1-bench-drill');
const RUNS = Math.max(1, Number(process.env['M1_BENCH_RUNS'] ?? 3));
const DRILL_S = Math.max(20, Number(process.env['M1_BENCH_DRILL_S'] ?? 60));
const QUIET_S = Math.max(0, Number(process.env['M1_BENCH_QUIET_S'] ?? 600));
const BUSY = Math.max(0, Number(process.env['M1_BENCH_BUSY'] ?? availableParallelism()));
const BENCHED: readonly Scenario[] = ['crash-primary', 'partition-primary'];
const SCENARIOS = benchedScenarios(process.env['M1_BENCH_SCENARIOS']);
const TABLE = 'm1_bench_quiet';
const log = (s: string) => process.stderr.write(`bench:drill: ${s}\n`);

function benchedScenarios(wanted: string | undefined): readonly Scenario[] {
  if (!wanted) return BENCHED;
  const list = wanted.split(',').map((s) => s.trim()) as Scenario[];
  const unknown = list.filter((s) => !BENCHED.includes(s));
  if (unknown.length) throw new UsageError(`M1_BENCH_SCENARIOS: ${unknown.join(', ')} is not benched here (${BENCHED.join(', ')})`);
  return list;
}

type Fm = 'repmgr' | 'patroni';

const SETUPS: Readonly<Record<Fm, { dir: string; make: (dir: string) => Promise<string>; entry: (c: Cluster) => { host: string; port: number }; writePorts: number[] }>> = {
  repmgr: {
    dir: 'm1benchdr',
    make: (dir) =>
      makeBenchCluster(dir, { architecture: 'M1', postgresql: '15', failoverManager: 'repmgr', locationNames: ['main', 'dr'], dataNodesPerLocation: '2', enablePgbouncer: true, clusterPrefixedHostnames: true }, { repmgr_redirect_pgbouncer: 'true' }),
    // A replica's PgBouncer: it must follow the primary wherever it goes.
    entry: (c) => ({ host: c.instances.find((i) => hasRole(i, 'pgbouncer') && hasRole(i, 'replica'))!.name, port: 6432 }),
    writePorts: [6432],
  },
  patroni: {
    dir: 'm1benchdp',
    make: (dir) => makeBenchCluster(dir, { architecture: 'M1', postgresql: '15', failoverManager: 'patroni', enableHaproxy: true, clusterPrefixedHostnames: true }),
    entry: (c) => ({ host: c.instances.find((i) => hasRole(i, 'haproxy'))!.name, port: 5432 }),
    writePorts: [5432],
  },
};

/** One drill, retried while it refuses because the cluster is not healthy yet (nothing was done then). */
async function drillWhenHealthy(dir: string, scenario: Scenario): Promise<{ report: DrillReport; exitCode: number; failures: string[]; notes: string[] }> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      return await drillCluster(dir, scenario, { durationS: DRILL_S, write: (l) => log(`  ${l}`) });
    } catch (e) {
      if (!(e instanceof RefusedError) || Date.now() > deadline) throw e;
      await sleep(5000);
    }
  }
}

/** Each data node: in recovery, and whether it refuses writes (fenced). Unreadable nodes are left out. */
async function sampleNodes(oc: OpenCluster): Promise<Map<string, { recovery: boolean; readOnly: boolean }>> {
  const out = new Map<string, { recovery: boolean; readOnly: boolean }>();
  const sql = "SELECT pg_is_in_recovery(), current_setting('default_transaction_read_only')";
  await Promise.all(
    oc.cluster.instances.filter(isDataNode).map(async (i) => {
      // `timeout` runs a program, not a shell line (localPsqlCommand starts with `cd /`).
      const r = await runOn(oc.connectors, i.name, `timeout 5 sh -c ${quote(localPsqlCommand(oc.cluster.postgresVersion, sql))}`);
      if (!r.ok || r.result.code !== 0) return;
      const [rec, ro] = r.result.stdout.trim().split('|');
      out.set(i.name, { recovery: rec === 't', readOnly: ro === 'on' });
    }),
  );
  return out;
}

/** QUIET_S seconds of writes with no fault, every core kept busy: promotions and fences seen. */
async function quietRun(dir: string, fm: Fm): Promise<Record<string, unknown>> {
  const oc = await openCluster(dir);
  const busy: ChildProcess[] = [];
  try {
    const { cluster } = oc;
    const login = clientLogin(cluster);
    if (!login) throw new HostError(`${fm}: the cluster has no application user to write as`);
    const first = await sampleNodes(oc);
    const primary = [...first].find(([, s]) => !s.recovery)?.[0];
    if (!primary) throw new HostError(`${fm}: no primary answers before the quiet run`);
    const created = await runOn(
      oc.connectors,
      primary,
      localPsqlCommand(cluster.postgresVersion, `CREATE TABLE IF NOT EXISTS ${TABLE} (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); ALTER TABLE ${TABLE} OWNER TO ${login.user}`, login.database),
    );
    if (!created.ok || created.result.code !== 0) throw new HostError(`${fm}: cannot create ${TABLE} on ${primary}`);
    const entry = SETUPS[fm].entry(cluster);
    const writer = new Writer({ host: oc.addresses[entry.host]!, port: entry.port, user: login.user, database: login.database, password: await readSecret(dir, login.user), table: TABLE, caFile: join(tlsDir(dir), 'ca.crt') }, Date.now()).start();
    for (let n = 0; n < BUSY; n++) busy.push(spawn('sh', ['-c', 'while :; do :; done'], { stdio: 'ignore' }));
    log(`${fm}: quiet run, ${QUIET_S} s of writes through ${entry.host}:${entry.port} with ${BUSY} busy processes`);
    let last = first;
    let promotions = 0;
    let fences = 0;
    let samples = 0;
    const events: string[] = [];
    const end = Date.now() + QUIET_S * 1000;
    while (Date.now() < end) {
      await sleep(2000);
      const now = await sampleNodes(oc);
      samples++;
      for (const [host, s] of now) {
        const before = last.get(host);
        if (!before) continue;
        if (before.recovery && !s.recovery) {
          promotions++;
          events.push(`${new Date().toISOString()} ${host} promoted`);
        }
        if (!s.recovery && !before.readOnly && s.readOnly) {
          fences++;
          events.push(`${new Date().toISOString()} ${host} fenced`);
        }
      }
      last = new Map([...last, ...now]);
    }
    const w = await writer.stop();
    return { seconds: QUIET_S, busy_processes: BUSY, samples, promotions, fences, events, acked_writes: w.acked.length, failed_attempts: w.failures, longest_no_write_ms: w.longestGapMs };
  } finally {
    for (const b of busy) b.kill('SIGKILL');
    await oc.close();
  }
}

async function bench(fm: Fm): Promise<Record<string, unknown>> {
  const dir = join(ROOT, SETUPS[fm].dir);
  log(`${fm}: configure + provision + deploy ${dir}`);
  await SETUPS[fm].make(dir);
  const writePorts = SETUPS[fm].writePorts;
  const scenarios: Record<string, unknown> = {};
  try {
    for (const scenario of SCENARIOS) {
      const runs: Record<string, unknown>[] = [];
      for (let n = 0; n < RUNS; n++) {
        log(`${fm} ${scenario} run ${n + 1}/${RUNS}`);
        try {
          const out = await drillWhenHealthy(dir, scenario);
          const run = { ...out.report, follow_after_promote_s: followAfterPromoteS(out.report, writePorts), exit: out.exitCode, failures: out.failures, notes: out.notes };
          log(`${fm} ${scenario} run ${n + 1}: ${JSON.stringify(run)}`);
          runs.push(run);
        } catch (e) {
          // A refused or failed drill is a result too; the runs before it are kept.
          const error = e instanceof Error ? e.message : String(e);
          log(`${fm} ${scenario} run ${n + 1}: ${error}`);
          runs.push({ error });
        }
      }
      scenarios[scenario] = {
        runs,
        median: {
          ...medians(runs, ['detect_s', 'fence_s', 'promote_s', 'follow_after_promote_s']),
          split_brain_s_max: Math.max(0, ...column(runs, 'split_brain_s')),
          ...medians(runs, ['acked_lost', 'heal_s']),
        },
      };
    }
    const quiet = QUIET_S > 0 ? await quietRun(dir, fm).catch((e: unknown) => ({ error: e instanceof Error ? e.message : String(e) })) : null;
    return { failover_manager: fm, scenarios, quiet };
  } finally {
    if (!process.env['M1_BENCH_KEEP']) await removeBenchCluster(dir);
  }
}

async function main(): Promise<void> {
  const fms = benchedManagers(Object.keys(SETUPS) as Fm[], 'all');
  const started = new Date().toISOString();
  const results = await benchEach(fms, bench, log);
  const load = loadavg().map((x) => Math.round(x * 10) / 10);
  process.stdout.write(JSON.stringify({ bench: 'drill', started, image: BENCH_IMAGE, runs_per_scenario: RUNS, drill_s: DRILL_S, load_average: load, results }, null, 2) + '\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`bench:drill: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
