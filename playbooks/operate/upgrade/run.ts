/**
 * `m1 upgrade <cluster-dir> [--switch-back]` as a library call: a rolling
 * minor-version upgrade.
 *
 *   1. config.yml decides what needs no reading (a major version, a manager
 *      m1 does not upgrade yet: exit 2);
 *   2. under the cluster lock, one reading of the cluster and of every
 *      host's package versions (apt's lists refreshed); preconditions.ts
 *      refuses (exit 3, nothing changed) or plans;
 *   3. every host downloads its packages at once (nothing installed yet);
 *   4. each replica in turn: packages upgraded, Postgres restarted the
 *      manager's way (repmgr: the unit, repmgrd stopped around it, with
 *      automatic failover paused by pause.ts and resumed after, also on a
 *      failure; Patroni: POST /restart, not paused: roles/patroni/upgrade.ts
 *      says why), back to streaming and caught up with the primary before
 *      the next; then the witness and the hosts without Postgres (a new
 *      HAProxy reloaded, a new etcd healthy again: steps.ts);
 *   5. a switchover to an upgraded replica, m1 switchover's own code
 *      (PgBouncer, HAProxy and Barman follow as there);
 *   6. the old primary, a replica now, as in 4; with --switch-back, a last
 *      switchover back;
 *   7. every host read again: each server's server_version_num before and
 *      after.
 * A failure stops at that host (exit 1) with the cluster serving; a rerun
 * skips the hosts at the target and continues.
 */
import { clusterVar } from '../../../src/config/vars.js';
import { acquireLock } from '../../../src/engine/run/lock.js';
import { lastLines } from '../../../src/engine/index.js';
import { HostError, RefusedError, UsageError } from '../../../src/errors.js';
import { ExitCode } from '../../../src/exitCodes.js';
import { instanceByName, runsPostgres } from '../../../src/inventory/cluster.js';
import { openCluster, runOn, type OpenCluster } from '../cluster.js';
import { withFailoverPaused } from '../pause.js';
import { localPsqlCommand } from '../psql.js';
import { gatherSnapshot } from '../status.js';
import { runSwitchover } from '../switchover/run.js';
import { managerFor } from '../../../roles/managers.js';
import type { MinorUpgrade } from '../../../roles/failoverManager.js';
import { checkUpgrade, upgradeStaticDecision, type HostUpgrade, type UpgradePlan } from './preconditions.js';
import { readSecret } from '../../../src/secrets/index.js';
import {
  CURRENT_LSN_SQL,
  afterUpgradeChecks,
  caughtUpCommand,
  downloadPackagesCommand,
  parseVersions,
  restartPostgresCommand,
  serverVersionNumCommand,
  upgradePackagesCommand,
  versionsCommand,
  type HostVersions,
} from './steps.js';

export interface UpgradeOptions {
  /** Switch back to the old primary at the end. */
  switchBack?: boolean;
  /** Progress lines. */
  write?: (text: string) => void;
}

export interface HostVersionReport {
  host: string;
  packageBefore?: string;
  packageAfter?: string;
  /** The running server's server_version_num. */
  before?: number;
  after?: number;
}

export interface UpgradeOutcome {
  exitCode: ExitCode;
  plan: UpgradePlan;
  /** Something was changed on a host. */
  changed: boolean;
  versions: HostVersionReport[];
  /** Each host's turn (packages, restart, catch-up), ms. */
  hostMs: { host: string; ms: number }[];
  /** Each switchover: when it started (epoch ms), its whole time, and when the new primary took writes (from its start). */
  switchovers: { from: string; to: string; startedAtEpochMs: number; ms: number; writableAfterMs?: number }[];
  /** Reading and planning, the parallel download, the whole run (ms). */
  readMs: number;
  downloadMs: number;
  ms: number;
  /** Where and why it stopped (exit 1). */
  failure?: string;
}

const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Every host's watched versions, all hosts at once. */
async function readVersions(oc: OpenCluster, manager: MinorUpgrade, refresh: boolean): Promise<Record<string, HostVersions | { error: string }>> {
  const { cluster } = oc;
  const entries = await Promise.all(
    cluster.instances.map(async (i) => {
      const r = await runOn(oc.connectors, i.name, versionsCommand(cluster, i, manager, { refresh }), { timeoutMs: 180_000 });
      if (!r.ok) return [i.name, { error: r.error }] as const;
      if (r.result.code !== 0) return [i.name, { error: `exit ${r.result.code}: ${lastLines(r.result.stderr, 2, '\n')}` }] as const;
      return [i.name, parseVersions(r.result.stdout)] as const;
    }),
  );
  return Object.fromEntries(entries);
}

/** A step on a host that must succeed: its stdout, else a HostError naming host and step. */
async function must(oc: OpenCluster, host: string, step: string, command: string, timeoutMs: number, stdin?: string): Promise<string> {
  const r = await runOn(oc.connectors, host, command, { timeoutMs, ...(stdin !== undefined ? { stdin } : {}) });
  if (!r.ok) throw new HostError(`${host}: ${step}: ${r.error}`);
  if (r.result.code !== 0) {
    const tail = lastLines(`${r.result.stdout}\n${r.result.stderr}`.trim(), 4, '\n');
    throw new HostError(`${host}: ${step} failed (exit ${r.result.code})${tail ? `:\n${tail.replace(/^/gm, '    ')}` : ''}`);
  }
  return r.result.stdout;
}

function describeHost(h: HostUpgrade): string {
  const what = h.kind === 'replica' ? `replica of ${h.upstream}` : h.kind === 'witness' ? 'witness' : 'no Postgres restart';
  const pkgs = h.packages.map((p) => `${p.name} ${p.from} -> ${p.to}`).join(', ');
  return `${h.host} (${what}): ${pkgs || 'packages at the target'}${h.restart ? '; restart' : ''}`;
}

/** One host's turn: packages (and what must hold after them), restart onto them, back to streaming and caught up with `primary`, counted in by the manager. */
async function upgradeHost(oc: OpenCluster, manager: MinorUpgrade, plan: UpgradePlan, h: HostUpgrade, primary: string, write: (s: string) => void): Promise<number> {
  const { cluster } = oc;
  const t0 = performance.now();
  write(`  ${describeHost(h)}\n`);
  const instance = instanceByName(cluster, h.host)!;
  if (h.packages.length > 0) {
    await must(oc, h.host, 'apt-get install --only-upgrade', upgradePackagesCommand(h.packages), 20 * 60_000);
    for (const c of afterUpgradeChecks(cluster, instance, h.packages.map((p) => p.name))) await must(oc, h.host, c.name, c.command, c.timeoutMs);
  }
  if (h.restart) {
    if (manager.restart) {
      const secret = manager.secret === undefined ? undefined : await readSecret(cluster.dir, manager.secret);
      for (const step of manager.restart(cluster, instance, h.packages.map((p) => p.name), secret)) await must(oc, h.host, step.name, step.command, step.timeoutMs, step.stdin);
    } else {
      await must(oc, h.host, 'restart postgres', restartPostgresCommand(cluster, manager), 200_000);
    }
    if (h.kind === 'replica') {
      const lsn = (await must(oc, primary, 'read the primary\'s WAL position', localPsqlCommand(cluster.postgresVersion, CURRENT_LSN_SQL), 30_000)).trim();
      await must(oc, h.host, `stream from ${h.upstream} and replay ${primary}'s ${lsn}`, caughtUpCommand(cluster, lsn), 150_000);
    }
    await must(oc, h.host, `the failover manager counts it in again (primary ${primary})`, manager.rejoined(cluster, primary, h.host, 60), 90_000);
    const num = Number((await must(oc, h.host, 'SHOW server_version_num', serverVersionNumCommand(cluster), 30_000)).trim());
    if (num !== plan.targetNum) throw new HostError(`${h.host}: restarted, but its server runs server_version_num ${num}, not ${plan.targetNum}`);
  }
  const ms = Math.round(performance.now() - t0);
  write(`  ${h.host}: done (${sec(ms)})\n`);
  return ms;
}

/** Every host's packages fetched at once; nothing installed. */
async function download(oc: OpenCluster, hosts: HostUpgrade[]): Promise<void> {
  await Promise.all(
    hosts.filter((h) => h.packages.length > 0).map((h) => must(oc, h.host, 'apt-get --download-only', downloadPackagesCommand(h.packages), 20 * 60_000)),
  );
}

export async function runUpgrade(oc: OpenCluster, options: UpgradeOptions = {}): Promise<UpgradeOutcome> {
  const t0 = performance.now();
  const since = () => Math.round(performance.now() - t0);
  const write = options.write ?? (() => undefined);
  const { cluster } = oc;
  const wanted = clusterVar(cluster, 'postgres_package_version');
  const fm = managerFor(cluster).minorUpgrade;
  const fixed = upgradeStaticDecision(cluster, fm, wanted);
  if (fixed?.kind === 'usage') throw new UsageError(`upgrade ${cluster.name}: ${fixed.reason}; nothing touched`);
  const manager = fm as MinorUpgrade;
  const lock = acquireLock(cluster.dir, 'upgrade');
  try {
    const [snapshot, versions] = await Promise.all([gatherSnapshot(oc), readVersions(oc, manager, true)]);
    const d = checkUpgrade({ cluster, manager, status: snapshot.status, versions, ...(wanted ? { wanted } : {}), ...(options.switchBack ? { switchBack: true } : {}) });
    if (d.kind === 'usage') throw new UsageError(`upgrade ${cluster.name}: ${d.reason}; nothing touched`);
    if (d.kind === 'refused') throw new RefusedError(`upgrade ${cluster.name} refused: ${d.reason}; nothing changed`);
    const plan = d.plan;
    const readMs = since();
    const base = { plan, hostMs: [] as { host: string; ms: number }[], switchovers: [] as UpgradeOutcome['switchovers'], readMs, downloadMs: 0 };
    write(`upgrade ${cluster.name} to ${plan.target} (server_version_num ${plan.targetNum}; ${plan.targetFrom}), read in ${sec(readMs)}\n`);
    const todo = [...plan.first, ...plan.last];
    if (todo.length === 0) {
      write(`every host runs ${plan.target}: nothing to do\n`);
      return { exitCode: ExitCode.Ok, changed: false, versions: reportOf(plan, undefined), ...base, ms: since() };
    }
    const order = [...plan.first.map((h) => h.host), ...(plan.switchover ? [`switchover to ${plan.switchover.to}`] : []), ...plan.last.map((h) => h.host), ...(plan.switchBack ? [`switchover back to ${plan.switchBack.to}`] : [])];
    write(`order: ${order.join(', ')}${plan.atTarget.length ? `; at the target already: ${plan.atTarget.join(', ')}` : ''}\n`);

    let failure: string | undefined;
    try {
      const td = performance.now();
      await download(oc, todo);
      base.downloadMs = Math.round(performance.now() - td);
      write(`packages downloaded on ${todo.filter((h) => h.packages.length > 0).length} host(s) (${sec(base.downloadMs)})\n`);

      const turn = async (hosts: HostUpgrade[], primary: string) => {
        for (const h of hosts) base.hostMs.push({ host: h.host, ms: await upgradeHost(oc, manager, plan, h, primary, write) });
      };
      const paused = async (hosts: HostUpgrade[], primary: string) => {
        if (hosts.length === 0) return;
        // Restarts on purpose: no failover meanwhile (where the manager would act on them); resumed after, also on a failure.
        if (manager.pausesFailover && hosts.some((h) => h.restart)) await withFailoverPaused(oc, () => turn(hosts, primary), { write: (s) => write(`  ${s}`) });
        else await turn(hosts, primary);
      };
      const switchover = async (s: { from: string; to: string }) => {
        write(`  switchover ${s.from} -> ${s.to}\n`);
        const startedAtEpochMs = Date.now();
        const out = await runSwitchover(oc, s.to, { lockHeld: true, write: (x) => write(`    ${x}`) });
        base.switchovers.push({ ...s, startedAtEpochMs, ms: out.timings.totalMs, ...(out.timings.writableAfterMs !== undefined ? { writableAfterMs: out.timings.writableAfterMs } : {}) });
        if (out.exitCode !== 0) {
          const failed = out.rows.filter((r) => !r.ok).map((r) => `${r.check}: ${r.detail}`);
          throw new HostError(`switchover ${s.from} -> ${s.to}: ${out.failure ?? failed.join('; ')}`);
        }
        write(`  switchover ${s.from} -> ${s.to}: done (${sec(out.timings.totalMs)}; ${s.to} took writes after ${sec(out.timings.writableAfterMs ?? 0)})\n`);
      };

      await paused(plan.first, plan.primary);
      if (plan.switchover) await switchover(plan.switchover);
      await paused(plan.last, plan.switchover?.to ?? plan.primary);
      if (plan.switchBack) await switchover(plan.switchBack);
    } catch (e) {
      if (e instanceof RefusedError || e instanceof HostError) failure = e.message;
      else throw e;
    }

    const after = await readVersions(oc, manager, false);
    const versionsReport = reportOf(plan, after);
    const problems = failure
      ? []
      : versionsReport
          .filter((v) => runsPostgres(instanceByName(cluster, v.host)!, cluster.failoverManager))
          .filter((v) => v.after !== plan.targetNum || v.packageAfter !== plan.target)
          .map((v) => `${v.host} runs ${v.after ?? 'no server'} (package ${v.packageAfter ?? 'none'})`);
    if (problems.length > 0) failure = `after the upgrade, not every server runs ${plan.target}: ${problems.join('; ')}`;
    if (failure) {
      write(`upgrade STOPPED: ${failure}\nthe hosts done so far keep the new version; the cluster still serves; fix the cause and rerun m1 upgrade ${cluster.dir} (hosts at the target are skipped)\n`);
    }
    return { exitCode: failure ? ExitCode.Failed : ExitCode.Ok, changed: true, versions: versionsReport, ...base, ms: since(), ...(failure ? { failure } : {}) };
  } finally {
    lock.release();
  }
}

function reportOf(plan: UpgradePlan, after: Record<string, HostVersions | { error: string }> | undefined): HostVersionReport[] {
  return plan.before.map((b) => {
    const a = after?.[b.host];
    const ok = a && !('error' in a) ? a : undefined;
    const pkg = ok?.installed[Object.keys(ok.installed).find((n) => /^postgresql-\d+$/.test(n)) ?? ''];
    return {
      host: b.host,
      ...(b.package !== undefined ? { packageBefore: b.package } : {}),
      ...(b.serverVersionNum !== undefined ? { before: b.serverVersionNum } : {}),
      ...(after === undefined ? (b.package !== undefined ? { packageAfter: b.package } : {}) : pkg !== undefined ? { packageAfter: pkg } : {}),
      ...(after === undefined ? (b.serverVersionNum !== undefined ? { after: b.serverVersionNum } : {}) : ok?.serverVersionNum !== undefined ? { after: ok.serverVersionNum } : {}),
    };
  });
}

/** `m1 upgrade`: opens the cluster, upgrades it, closes it. */
export async function upgradeCluster(dir: string, options: UpgradeOptions = {}): Promise<UpgradeOutcome> {
  const oc = await openCluster(dir);
  try {
    return await runUpgrade(oc, options);
  } finally {
    await oc.close();
  }
}

