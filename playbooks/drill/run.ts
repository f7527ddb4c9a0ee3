/**
 * `m1 drill <cluster-dir> <scenario>`: a failure rehearsed on a live,
 * healthy cluster. Reads the cluster (refused, nothing done, unless
 * healthy), starts the sampler and the clients, strikes (scenarios.ts,
 * faults.ts), keeps measuring for the duration, undoes the fault, brings
 * the cluster back with deploy (its rejoin of a former primary), runs
 * `m1 test`'s checks, and reports (timeline.ts, report.ts).
 */
import { join } from 'node:path';
import { HostError, RefusedError, UsageError } from '../../src/errors.js';
import { runsPostgres, instanceByName, hasRole, type Cluster } from '../../src/inventory/cluster.js';
import { platformFor } from '../../src/platforms/index.js';
import { readSecret } from '../../src/secrets/index.js';
import { managerFor } from '../../roles/managers.js';
import { deployCluster } from '../deploy/deploy.js';
import { runTests } from '../operate/check/run.js';
import { openCluster, runOn, type OpenCluster } from '../operate/cluster.js';
import { localPsqlCommand } from '../operate/psql.js';
import { gatherSnapshot } from '../operate/status.js';
import { clientUser, Clients, entryPoints } from './clients.js';
import { crashUnitsCommand, healPartitionCommand, healUnitsCommand, partitionCommand, partitionMethod } from './faults.js';
import { drillExitCode, type DrillReport } from './report.js';
import { Sampler, SAMPLE_MS } from './sampler.js';
import { drillTarget, type DrillTarget, type Scenario } from './scenarios.js';
import { lostIds, prepareSql, syncReplicationOn } from './sql.js';
import { reportedXids } from '../../src/products/repmgr/rewindReport.js';
import { computeTimeline } from './timeline.js';
import { tlsDir } from '../../src/secrets/clusterCa.js';

export const DEFAULT_DURATION_S = 60;
export const MIN_DURATION_S = 20;

export interface DrillOptions {
  /** How long the fault lasts, seconds (default 60, at least 20). */
  durationS?: number;
  /** Asked once the cluster is found healthy, before anything is done; false: refused (exit 3). Absent: go on. */
  confirm?: (what: string) => Promise<boolean>;
  /** Progress lines. */
  write?: (line: string) => void;
  /** Seconds the sampler and the clients run before the fault (default 2). */
  baselineS?: number;
}

export interface DrillOutcome {
  exitCode: 0 | 1;
  report: DrillReport;
  /** Why the exit status is 1, one line each. */
  failures: string[];
  /** The last client errors and the failed checks after healing, for the reader. */
  notes: string[];
}

export function checkDuration(durationS: number): number {
  if (!Number.isFinite(durationS) || durationS < MIN_DURATION_S) throw new UsageError(`--duration ${durationS}: at least ${MIN_DURATION_S} seconds`);
  return durationS;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The services a crash kills where the platform cannot kill the host: the manager's (and the server's), PgBouncer, HAProxy, etcd, Barman's cron. */
function hostUnits(cluster: Cluster, host: string): string[] {
  const i = instanceByName(cluster, host)!;
  const units = runsPostgres(i, cluster.failoverManager) || hasRole(i, 'witness') ? [...managerFor(cluster).reading(cluster, i).units] : [];
  if (hasRole(i, 'pgbouncer')) units.push('pgbouncer');
  if (hasRole(i, 'haproxy')) units.push('haproxy');
  if (hasRole(i, 'etcd')) units.push('etcd');
  if (hasRole(i, 'barman')) units.push('cron');
  return [...new Set(units)];
}

async function must(oc: OpenCluster, host: string, command: string, what: string, timeoutMs = 30_000): Promise<string> {
  const r = await runOn(oc.connectors, host, command, { timeoutMs });
  if (!r.ok) throw new HostError(`${host}: ${what}: ${r.error}`);
  if (r.result.code !== 0) throw new HostError(`${host}: ${what}: exit ${r.result.code}: ${(r.result.stderr || r.result.stdout).trim().split('\n').at(-1) ?? ''}`);
  return r.result.stdout;
}

interface Struck {
  method: string;
  heal(): Promise<void>;
}

async function strike(oc: OpenCluster, target: DrillTarget): Promise<Struck> {
  const { cluster } = oc;
  if (target.kind === 'partition') {
    const others = cluster.instances.filter((i) => i.name !== target.host).map((i) => oc.addresses[i.name]!);
    const out = await must(oc, target.host, partitionCommand(others), 'partition');
    return {
      method: partitionMethod(out) ?? 'unknown',
      heal: async () => void (await must(oc, target.host, healPartitionCommand(others), 'undo the partition')),
    };
  }
  const platform = platformFor(cluster);
  if (platform.crash) {
    await platform.crash(cluster, target.host);
    return { method: 'docker-kill', heal: async () => void (await platform.provision(cluster, {})) };
  }
  const units = hostUnits(cluster, target.host);
  await must(oc, target.host, crashUnitsCommand(units), 'kill the services');
  return { method: 'sigkill', heal: async () => void (await must(oc, target.host, healUnitsCommand(units), 'unmask the services')) };
}

export async function drillCluster(dir: string, scenario: Scenario, options: DrillOptions = {}): Promise<DrillOutcome> {
  const durationS = checkDuration(options.durationS ?? DEFAULT_DURATION_S);
  const write = options.write ?? (() => undefined);
  const notes: string[] = [];
  let oc = await openCluster(dir);
  const { cluster } = oc;
  const version = cluster.postgresVersion;
  let target: DrillTarget;
  let sync: boolean;
  let clients: Clients;
  let sampler: Sampler;
  let struck: Struck;
  let t0 = performance.now();
  const now = () => performance.now() - t0;
  let endMs: number;
  try {
    const before = await gatherSnapshot(oc, { barmanCheck: true });
    const primary = before.status.primary;
    if (!before.status.healthy || !primary) {
      throw new RefusedError(`drill ${scenario} on ${cluster.name}: the cluster is not healthy, nothing done:\n  ${before.status.problems.join('\n  ') || 'no single primary'}`);
    }
    if (before.status.failover.state === 'paused') {
      throw new RefusedError(`drill ${scenario} on ${cluster.name}: automatic failover is paused (m1 pause), so the drill would rehearse nothing the cluster does on its own; run \`m1 resume ${dir}\` first; nothing done`);
    }
    target = drillTarget(cluster, scenario, primary);
    const what = `${target.kind === 'crash' ? 'crash' : 'cut off'} ${target.host}${target.primary ? ' (the primary)' : ''} of cluster ${cluster.name} for ${durationS} s`;
    if (options.confirm && !(await options.confirm(what))) throw new RefusedError(`drill ${scenario} on ${cluster.name}: not confirmed; nothing done`);
    write(`drill ${scenario}: ${what}`);
    const user = clientUser(cluster);
    sync = syncReplicationOn(await must(oc, primary, localPsqlCommand(version, prepareSql(user)), 'prepare the drill tables'));
    const password = await readSecret(cluster.dir, user);
    const points = entryPoints(cluster, oc.addresses, primary);
    t0 = performance.now() + (options.baselineS ?? 2) * 1000;
    sampler = new Sampler(cluster, oc.extraConnectors(), now).start();
    clients = new Clients(points, { user, password, caFile: join(tlsDir(cluster.dir), 'ca.crt') }, now, new Map(Object.entries(oc.addresses).map(([h, a]) => [a, h]))).start();
    write(`sampling ${cluster.instances.length} hosts every ${SAMPLE_MS} ms; clients through ${points.map((p) => `${p.host}:${p.port}`).join(', ')}`);
    await sleep(Math.max(0, -now()));
    t0 = performance.now();
    struck = await strike(oc, target);
    write(`struck ${target.host} (${struck.method}); measuring for ${durationS} s`);
    await sleep(durationS * 1000 - now());
    endMs = now();
    await Promise.all([sampler.stop(), clients.stop()]);
  } catch (e) {
    await oc.close();
    throw e;
  }

  // Heal: undo the fault, the former primary kept down when another took over, then deploy and m1 test.
  const healStart = performance.now();
  write(`healing ${target.host}`);
  await struck.heal();
  await oc.close();
  oc = await openCluster(dir);
  let healthy = false;
  /** What deploy's rejoin reported discarding; null when no rewind reported. */
  let rewound: string[] | null = null;
  let after: string | undefined;
  const lost: number[] = [];
  try {
    const mid = await gatherSnapshot(oc, { barmanCheck: false, routes: false });
    const oldIsPrimary = mid.status.primaries.includes(target.host);
    if (target.primary && oldIsPrimary && mid.status.primaries.length > 1) {
      // Two primaries: the old one is stopped so deploy rejoins it as a standby (its writes since the split are what a rewind discards).
      const i = instanceByName(cluster, target.host)!;
      write(`${target.host} still runs as a primary beside ${mid.status.primaries.filter((p) => p !== target.host).join(', ')}: stopped for deploy's rejoin`);
      await must(oc, target.host, `systemctl stop ${managerFor(cluster).reading(cluster, i).units.join(' ')}`, 'stop the former primary', 120_000);
    }
    await oc.close();
    write('deploy');
    const dep = await deployCluster(dir, { write: () => undefined, tty: false });
    if (dep.exitCode !== 0) notes.push(`deploy after healing: ${dep.summary}`);
    for (const x of dep.result.results) {
      const xids = x.message ? reportedXids(x.message) : undefined;
      if (xids) {
        rewound = [...(rewound ?? []), ...xids.map(String)];
        notes.push(`${x.host}: ${x.message}`);
      }
    }
    oc = await openCluster(dir);
    // m1 test until it passes (services settle after a rejoin), a minute at most.
    const deadline = performance.now() + 60_000;
    for (;;) {
      const t = await runTests(oc);
      if (t.exitCode === 0 || performance.now() > deadline) {
        healthy = t.exitCode === 0;
        if (!healthy) notes.push(...t.rows.filter((r) => !r.ok).map((r) => `after healing: ${r.check}: ${r.detail}`));
        break;
      }
      await sleep(3000);
    }
    const snap = await gatherSnapshot(oc, { barmanCheck: false, routes: false });
    after = snap.status.primary;
    if (after) {
      const ids = await must(oc, after, localPsqlCommand(version, 'SELECT id FROM m1.drill_writes'), 'read the acknowledged rows');
      lost.push(...lostIds(clients.acked, ids.split('\n').filter(Boolean).map(Number)));
    }
  } finally {
    await oc.close();
  }
  const healS = Math.round(performance.now() - healStart) / 1000;
  const timeline = computeTimeline({
    struck: target.host,
    struckPrimary: target.primary,
    partition: target.kind === 'partition',
    primaryBefore: target.primary ? target.host : (after ?? target.host),
    primaryAfter: after,
    samples: sampler.samples,
    entryPoints: clients.logs,
    maxSampleGapMs: 2 * SAMPLE_MS,
    endMs,
  });
  const report: DrillReport = {
    scenario,
    method: struck.method,
    ...timeline,
    acked_lost: after ? lost.length : timeline.acked_writes,
    acked_lost_xids: lost.flatMap((id) => clients.xids.get(id) ?? []),
    // Filled once deploy reports what a rewind discards; until then nothing to list.
    rewound_xids: rewound,
    heal_s: healS,
    healthy_after: healthy,
  };
  notes.push(...clients.errors.slice(-5).map((e) => `client: ${e}`));
  const { exitCode, failures } = drillExitCode(report, sync);
  return { exitCode, report, failures, notes };
}
