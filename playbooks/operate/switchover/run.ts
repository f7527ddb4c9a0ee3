/**
 * `m1 switchover <cluster-dir> <target>` as a library call:
 *
 *   1. take the cluster lock; read every host (one command each);
 *   2. refuse (exit 3, nothing changed) unless the preconditions hold;
 *   3. run the failover manager's switchover; while it runs, watch the
 *      target and, the moment it takes writes, repoint every PgBouncer and
 *      start moving Barman to it (so clients wait for the promotion, not for
 *      the old primary's rejoin and the siblings' restarts);
 *   4. finish Barman (stale slots, detached base backup, check);
 *   5. verify, polling briefly, and return one table of checks.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine, lastLines, Secrets, type Connector, type OpResult, type Playbook, type Reporter } from '../../../src/engine/index.js';
import { acquireLock } from '../../../src/engine/run/lock.js';
import { RefusedError } from '../../../src/errors.js';
import { hasRole, type Cluster } from '../../../src/inventory/cluster.js';
import { writeFileAtomic } from '../../../src/inventory/localFiles.js';
import { readSecret } from '../../../src/secrets/index.js';
import { barmanServers } from '../../../src/products/barman/serverName.js';
import { backupUnitName } from '../../../src/products/barman/detachedBackups.js';
import { REPOINT_ROLE, barmanCheckTask, barmanFinishRole, barmanFollowRole, repointPgbouncerRole, splitBarmanPlan, streamingTask, type BarmanRetarget } from './followRoles.js';
import { openCluster, runOn, type OpenCluster } from '../cluster.js';
import { localPsqlCommand } from '../psql.js';
import { gatherSnapshot, type Snapshot } from '../status.js';
import { isDataNode } from '../probe/spec.js';
import { buildReadingCommand, parseReading } from '../../../src/live/reading.js';
import { pgNode } from '../../../src/live/facts/pgNode.js';
import { postgresPlace } from '../../../src/live/server.js';
import type { CheckRow } from '../table.js';
import { newToken, writeRowSql, wroteToken } from '../writes.js';
import { checkSwitchover, type SwitchoverPlan } from './preconditions.js';
import { DEFAULT_MAX_LAG } from './maxLag.js';
import type { SwitchoverStep } from '../../../roles/failoverManager.js';
import { managerFor } from '../../../roles/managers.js';
import { verificationRows } from './verify.js';

export interface SwitchoverOptions {
  /** Refuse when the target is further behind than this (bytes; default 16 MB). */
  maxLagBytes?: number;
  /** Progress lines (default: none). */
  write?: (line: string) => void;
  /** How long verification may wait for everything to settle (default 60 s). */
  verifyTimeoutMs?: number;
  /** How often the target is asked whether it is primary yet (default 200 ms). */
  watchIntervalMs?: number;
  /** The caller holds the cluster lock already (m1 upgrade's switchovers). */
  lockHeld?: boolean;
}

export interface StepOutcome {
  name: string;
  host: string;
  ok: boolean;
  ms: number;
  /** Last lines of its output when it failed. */
  tail?: string;
}

export interface SwitchoverTimings {
  totalMs: number;
  /** Lock and reading of the cluster before any change. */
  preconditionsMs: number;
  /** From the start of the command until the target accepted writes (watched). */
  writableAfterMs?: number;
  /** The failover manager's own switchover command. */
  managerMs: number;
  /** Until every PgBouncer was repointed, from the start of the command. */
  repointedAfterMs?: number;
  barmanMs: number;
  verifyMs: number;
  /** Readings of the cluster the checks took before they all passed (or time ran out). */
  verifyReadings: number;
}

export interface SwitchoverOutcome {
  exitCode: 0 | 1;
  plan: SwitchoverPlan;
  steps: StepOutcome[];
  rows: CheckRow[];
  timings: SwitchoverTimings;
  /** The failover manager's output, saved in the cluster's logs/ directory. */
  managerLog?: string;
  /** Why the switchover did not happen or did not finish. */
  failure?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a command with each output line (stdout and stderr together) prefixed
 * by the time, so the saved log shows where the FM's time went; its exit
 * status comes back as the last line, `m1:exit=<n>`.
 */
export function timestampedCommand(command: string): string {
  return `{ ( ${command} ) 2>&1; echo "m1:exit=$?"; } | while IFS= read -r l; do case "$l" in m1:exit=*) echo "$l" ;; *) printf '%s %s\n' "$(date +%H:%M:%S.%N | cut -c1-12)" "$l" ;; esac; done`;
}

/** The exit status and the output of a timestampedCommand() run. */
export function untimestamped(stdout: string): { code: number; text: string } {
  const m = /^m1:exit=(\d+)$/m.exec(stdout);
  return { code: m ? Number(m[1]) : 255, text: stdout.replace(/^m1:exit=\d+\n?/m, '') };
}
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const tailOf = (text: string, n = 8) => lastLines(text, n, '\n');

export function managerSteps(oc: Pick<OpenCluster, 'cluster' | 'addresses'>, plan: SwitchoverPlan): SwitchoverStep[] {
  return managerFor(oc.cluster).switchoverSteps(oc.cluster, plan, oc.addresses);
}

/** The Barman servers that follow the primary, with what their retarget needs (from the reading before the switchover). */
function barmanRetargets(cluster: Cluster, before: Snapshot, target: string): BarmanRetarget[] {
  return barmanServers(cluster)
    .filter((s) => s.followsPrimary)
    .map((server) => {
      const p = before.probes[server.barmanHost]?.barman[server.name];
      const previous = p?.recordedTarget ?? p?.target;
      return {
        cluster,
        server,
        target,
        ...(previous ? { previousTarget: previous } : {}),
        hasBackups: p?.backups.some((b) => b.status === 'DONE') ?? false,
        otherPostgresHosts: cluster.instances.filter((i) => isDataNode(i) && i.name !== target).map((i) => i.name),
      };
    });
}

/** Reports what engine runs change or fail, one line each; `onOp` sees every result as it comes. */
function changesReporter(write: (line: string) => void, onOp: (r: OpResult) => void = () => undefined): Reporter {
  return {
    taskEnd(r: OpResult) {
      onOp(r);
      if (r.status === 'changed') write(`  ${r.host}: ${r.task}${r.message ? ` (${r.message})` : ''}\n`);
      if (r.status === 'failed') write(`  ${r.host}: FAILED ${r.task}: ${r.error ?? ''}\n`);
    },
  };
}

async function saveManagerLog(cluster: Cluster, text: string): Promise<string | undefined> {
  try {
    const dir = join(cluster.dir, 'logs');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-switchover-${cluster.failoverManager}.log`);
    await writeFileAtomic(path, text, { mode: 0o600 });
    return path;
  } catch {
    return undefined;
  }
}

/** Whether the target's Postgres answers out of recovery (read on a connection of its own). */
async function isPrimary(connectors: Map<string, Connector>, cluster: Cluster, host: string): Promise<boolean> {
  const reading = { facts: { node: pgNode }, postgres: postgresPlace(cluster.postgresVersion) };
  const r = await runOn(connectors, host, buildReadingCommand(reading), { timeoutMs: 10_000 });
  return r.ok && parseReading(reading, r.result.stdout).facts.node?.inRecovery === false;
}

export async function runSwitchover(oc: OpenCluster, target: string, options: SwitchoverOptions = {}): Promise<SwitchoverOutcome> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const write = options.write ?? (() => undefined);
  const { cluster } = oc;
  const lock = options.lockHeld ? undefined : acquireLock(cluster.dir, `switchover ${target}`);
  let engine: Engine | undefined;
  try {
    // 1-2. One reading, then the verdict. No barman check here: the plan needs only Barman's files.
    const before = await gatherSnapshot(oc, { barmanCheck: false, routes: false });
    const pre = checkSwitchover(cluster, before.status, target, options.maxLagBytes ?? DEFAULT_MAX_LAG);
    if (!pre.ok) throw new RefusedError(pre.reason);
    const plan = pre.plan;
    const preconditionsMs = since();
    write(
      `switchover ${cluster.name} (${cluster.failoverManager}): ${plan.primary} -> ${plan.target} (lag ${plan.lagBytes} bytes` +
        `${plan.siblings.length ? `; siblings follow: ${plan.siblings.join(', ')}` : ''}${plan.cascaded.length ? `; cascaded, kept: ${plan.cascaded.map((c) => c.host).join(', ')}` : ''})\n`,
    );

    const secrets = new Secrets();
    try {
      secrets.register(await readSecret(cluster.dir, 'postgres'));
    } catch {
      // no password: nothing of it can leak
    }
    const retargets = barmanRetargets(cluster, before, plan.target);
    const pgbouncers = cluster.instances.filter((i) => hasRole(i, 'pgbouncer')).map((i) => i.name);
    const units: Record<string, string> = Object.fromEntries(retargets.map((r) => [r.server.name, backupUnitName(r.server.name)]));
    let repointedAfterMs: number | undefined;
    let barmanMs = 0;
    const failures: string[] = [];
    const barmanChecks: Record<string, { ok: boolean; failed: string[] }> = {};
    // Once Barman streams from the target, a reading of the cluster can check it (while `barman check` runs).
    const streaming = new Set<string>();
    let barmanStreams: () => void = () => undefined;
    const streamed = new Promise<void>((resolve) => {
      barmanStreams = resolve;
    });
    // The engine works on the second set of connections: the first is busy with the manager's command.
    engine = await Engine.open({
      connectors: oc.extraConnectors(),
      clusterDir: cluster.dir,
      command: 'switchover',
      lock: false,
      secrets,
      reporter: changesReporter(write, (r) => {
        if (r.role === REPOINT_ROLE) repointedAfterMs = since();
        const streams = retargets.find((x) => r.host === x.server.barmanHost && r.task === streamingTask(x.server.name, plan.target));
        if (streams && r.status !== 'failed') streaming.add(streams.server.name);
        if (streaming.size === retargets.length) barmanStreams();
      }),
    });

    // The second set of connections is opened now, while the manager works: an SSH handshake
    // (0.3-1 s under load) must not delay the watch, the repoint or Barman after the promotion.
    const extraHosts = new Set([plan.target, ...pgbouncers, ...retargets.map((r) => r.server.barmanHost)]);
    for (const h of extraHosts) void oc.extraConnectors().get(h)?.connect().catch(() => undefined);

    // 3. Repoint PgBouncer and move Barman, once, as soon as the target is primary: one run, each
    // host on its own (clients wait only for their PgBouncer). Barman does all but drop the stale
    // slots, which waits for the old primary (finish, below).
    let followed: Promise<void> | undefined;
    const follow = (): Promise<void> =>
      (followed ??= (async () => {
        const barmanHosts = [...new Set(retargets.map((r) => r.server.barmanHost))];
        const hosts = [...new Set([...pgbouncers, ...barmanHosts])];
        if (hosts.length === 0) return;
        const t = performance.now();
        const res = await engine!.run({
          name: 'switchover-follow',
          stages: [
            {
              name: `clients and Barman to ${plan.target}`,
              hosts,
              roles: (h) => [
                ...(pgbouncers.includes(h) ? [repointPgbouncerRole(cluster, plan.target)] : []),
                ...retargets.filter((r) => r.server.barmanHost === h).map(barmanFollowRole),
              ],
            },
          ],
        });
        failures.push(...res.failures);
        if (pgbouncers.length > 0 && repointedAfterMs !== undefined) write(`  PgBouncer sends clients to ${plan.target} on ${pgbouncers.join(', ')} (${secs(repointedAfterMs)} after start)\n`);
        for (const r of retargets) {
          const op = res.results.find((x) => x.host === r.server.barmanHost && x.task === barmanCheckTask(r.server.name));
          const why = op?.error ?? res.failures.find((f) => f.startsWith(`${r.server.barmanHost}`)) ?? 'not run: an earlier step failed';
          barmanChecks[r.server.name] = op && op.status !== 'failed' ? { ok: true, failed: [] } : { ok: false, failed: [why] };
        }
        if (retargets.length > 0) {
          barmanMs = Math.round(performance.now() - t);
          write(`  Barman follows ${plan.target} (${secs(barmanMs)})\n`);
        }
      })());

    const steps: StepOutcome[] = [];
    let managerOutput = '';
    let managerMs = 0;
    let writableAfterMs: number | undefined;
    let failed = false;
    for (const step of managerSteps(oc, plan)) {
      if (failed && !step.always) continue;
      write(`  ${step.name} ...\n`);
      const ts = performance.now();
      let watching = step.promotes === true;
      // Starts PgBouncer's repoint and Barman's first half the moment the target is primary;
      // the manager's later steps do not wait for them.
      const watcher = (async () => {
        while (watching) {
          if (await isPrimary(oc.extraConnectors(), cluster, plan.target)) {
            writableAfterMs = since();
            write(`  ${plan.target} accepts writes (${secs(writableAfterMs)} after start)\n`);
            follow().catch(() => undefined); // awaited (and its failure reported) below
            return;
          }
          await sleep(options.watchIntervalMs ?? 200);
        }
      })();
      const r = await runOn(oc.connectors, step.host, timestampedCommand(step.command), { timeoutMs: step.timeoutMs });
      watching = false;
      const ms = Math.round(performance.now() - ts);
      if (step.promotes) managerMs = ms;
      const res = r.ok ? untimestamped(r.result.stdout) : { code: -1, text: r.error };
      managerOutput += `### ${step.name} on ${step.host}\n${res.text}\n`;
      const ok = r.ok && res.code === 0;
      steps.push({ name: step.name, host: step.host, ok, ms, ...(ok ? {} : { tail: tailOf(res.text) }) });
      write(`  ${step.name}: ${ok ? 'done' : 'FAILED'} (${secs(ms)})\n`);
      if (!ok) {
        failed = true;
        failures.push(`${step.name} on ${step.host} failed${r.ok ? ` (exit ${res.code})` : ''}:\n${tailOf(res.text).replace(/^/gm, '    ')}`);
      }
      await watcher;
    }
    const managerLog = await saveManagerLog(cluster, managerOutput);

    // Promoted but unseen by the watcher (a very fast command), or promoted although the command failed later.
    if (writableAfterMs === undefined && (await isPrimary(oc.extraConnectors(), cluster, plan.target))) {
      writableAfterMs = since();
      await follow();
    }
    if (writableAfterMs === undefined) {
      const failure = failures.join('\n') || `${plan.target} did not become primary`;
      write(`switchover to ${plan.target} FAILED: ${plan.target} did not become primary${managerLog ? ` (output: ${managerLog})` : ''}\n`);
      return { exitCode: 1, plan, steps, rows: [], timings: { totalMs: since(), preconditionsMs, managerMs, barmanMs, verifyMs: 0, verifyReadings: 0 }, ...(managerLog ? { managerLog } : {}), failure };
    }
    // The checks' first reading waits until Barman streams from the target (or its follow ended).
    let followDone = false;
    const followedNow = follow().then(() => {
      followDone = true;
    });
    await Promise.race([streamed, followedNow]);

    // 4. Once the old primary runs again, while the checks read the cluster: Barman's stale slots
    // dropped, earlier unfinished backups cleared, a base backup of the new primary started.
    const stale = retargets.filter((r) => {
      const sp = splitBarmanPlan(r);
      return sp.finish.length > 0 || sp.backup;
    });
    let finished = false;
    const finish = (async () => {
      await followedNow;
      if (stale.length > 0) {
        const t = performance.now();
        const book: Playbook = {
          name: 'switchover-barman-finish',
          stages: [{ name: 'barman', hosts: [...new Set(stale.map((r) => r.server.barmanHost))], roles: (h) => stale.filter((r) => r.server.barmanHost === h).map((r) => barmanFinishRole(r, units[r.server.name]!)) }],
        };
        const res = await engine!.run(book);
        barmanMs += Math.round(performance.now() - t);
        failures.push(...res.failures);
      }
      finished = true;
    })();

    // 5. Verify: a write on the target and a reading of every host; again until all pass
    // (and Barman's half is done) or time is up.
    const tv = performance.now();
    const deadline = tv + (options.verifyTimeoutMs ?? 60_000);
    const token = newToken('switchover');
    let wrote: { ok: boolean; detail: string } = { ok: false, detail: 'not tried' };
    let rows: CheckRow[] = [];
    const writeOnTarget = async () => {
      const w = await runOn(oc.connectors, plan.target, localPsqlCommand(cluster.postgresVersion, writeRowSql(token, `switchover to ${plan.target}`)), { timeoutMs: 15_000 });
      const out = w.ok ? `${w.result.stdout}\n${w.result.stderr}` : w.error;
      wrote = w.ok && w.result.code === 0 && wroteToken(out) === token ? { ok: true, detail: `row ${token} written in m1.writes` } : { ok: false, detail: tailOf(out, 1) || 'write failed' };
    };
    let readings = 0;
    for (;;) {
      readings++;
      // Barman's follow ran `barman check` itself (its result decides the Barman rows): the reading leaves it out.
      const [, after] = await Promise.all([wrote.ok ? undefined : writeOnTarget(), gatherSnapshot(oc, { barmanCheck: retargets.length === 0 })]);
      if (!followDone) await followedNow; // its barman check
      rows = verificationRows({ cluster, plan, after, write: wrote, backupUnits: units, barmanChecks });
      // Done when all pass and the stale slots are gone (their drop is not part of any row).
      if ((rows.every((r) => r.ok) && finished) || performance.now() > deadline) break;
      if (rows.every((r) => r.ok)) {
        await finish;
        break;
      }
      write(`  not yet (${secs(since())}): ${rows.filter((r) => !r.ok).map((r) => `${r.check}: ${r.detail}`).join('; ')}\n`);
      await sleep(500);
    }
    await finish;
    const verifyMs = Math.round(performance.now() - tv);
    const ok = rows.every((r) => r.ok) && failures.length === 0;
    return {
      exitCode: ok ? 0 : 1,
      plan,
      steps,
      rows,
      timings: { totalMs: since(), preconditionsMs, ...(writableAfterMs !== undefined ? { writableAfterMs } : {}), managerMs, ...(repointedAfterMs !== undefined ? { repointedAfterMs } : {}), barmanMs, verifyMs, verifyReadings: readings },
      ...(managerLog ? { managerLog } : {}),
      ...(failures.length ? { failure: failures.join('\n') } : {}),
    };
  } finally {
    await engine?.close();
    lock?.release();
  }
}

export async function switchoverCluster(dir: string, target: string, options: SwitchoverOptions = {}): Promise<SwitchoverOutcome> {
  const oc = await openCluster(dir);
  try {
    return await runSwitchover(oc, target, options);
  } finally {
    await oc.close();
  }
}
