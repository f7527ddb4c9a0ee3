/**
 * `m1 remove-node <cluster-dir> <instance>` as a library call:
 *   1. config.yml and removed.json decide what needs no reading (a bad name,
 *      Barman, too few voters left, a manager m1 does not remove for, a node
 *      removed before);
 *   2. under the cluster lock, one reading of the cluster; preconditions.ts
 *      decides (refused: nothing changed) and plans;
 *   3. the steps (steps.ts), one after another: downstream replicas follow
 *      the node's upstream, the node's services stopped and disabled, the
 *      failover manager forgets it on the primary, its slot dropped; then its
 *      container removed (docker; bare and aws hosts are left where they are);
 *   4. a second reading checks it: the downstream replicas stream from the
 *      new upstream, the manager no longer lists the node, no slot is left;
 *   5. removed.json records it, and deploy runs on the other hosts, whose
 *      configuration (pg_hba, the fence's voters, the promote hook's
 *      PgBouncers...) named it; then the lines of config.yml to delete.
 * A failure stops at that step with host, step and cause (exit 1); every
 * step is safe to run again, so a rerun continues.
 */
import { loadCluster } from '../../../src/config/load.js';
import { HostError, RefusedError, UsageError } from '../../../src/errors.js';
import { ExitCode } from '../../../src/exitCodes.js';
import { acquireLock } from '../../../src/engine/run/lock.js';
import { readRemoved, withEntry, withoutRemoved, writeRemoved, type RemovedInstance } from '../../../src/inventory/removed.js';
import { platformFor } from '../../../src/platforms/index.js';
import { managerFor } from '../../../roles/managers.js';
import type { NodeRemoval } from '../../../roles/failoverManager.js';
import { deployCluster } from '../../deploy/deploy.js';
import { openCluster, runOn } from '../cluster.js';
import type { ClusterStatus } from '../health.js';
import { gatherSnapshot } from '../status.js';
import { checkRemoveNode, removeNodeStaticDecision, type RemovalPlan } from './preconditions.js';
import { removalSteps } from './steps.js';

export interface RemoveNodeOptions {
  write?: (text: string) => void;
  /** Draw the final deploy's listr2 display on the terminal. */
  tty?: boolean;
  /** The date recorded (default: now). */
  now?: () => Date;
}

export interface RemoveNodeOutcome {
  exitCode: ExitCode;
  host: string;
  /** Something was changed on a host. */
  changed: boolean;
  /** The upstream its downstream replicas follow now. */
  upstream?: string;
  downstream: string[];
  /** Time of the removal itself (steps and checks), ms; and of the deploy on the other hosts. */
  removeMs: number;
  deployMs: number;
  ms: number;
}

/** What the second reading finds still to do, as sentences (empty: done). */
export function leftOver(plan: RemovalPlan, status: ClusterStatus, slots: Readonly<Record<string, string[]>>): string[] {
  const out: string[] = [];
  for (const d of plan.downstream) {
    const h = status.hosts.find((x) => x.host === d);
    if (!(h?.live === 'replica' && h.replication === 'streaming' && h.upstream === plan.upstream)) {
      out.push(`${d} does not stream from ${plan.upstream} (${h?.live ?? 'not read'}${h?.upstream ? `, upstream ${h.upstream}` : ''}${h?.replication ? `, ${h.replication}` : ''})`);
    }
  }
  if (status.fm.nodes.some((n) => n.name === plan.host)) out.push(`${status.failoverManager} on ${status.fm.from ?? plan.primary} still lists ${plan.host}`);
  for (const h of plan.slot?.hosts ?? []) if (slots[h]?.includes(plan.slot!.name)) out.push(`slot ${plan.slot!.name} is still on ${h}`);
  return out;
}

export async function removeNode(dir: string, host: string, options: RemoveNodeOptions = {}): Promise<RemoveNodeOutcome> {
  const t0 = performance.now();
  const write = options.write ?? (() => undefined);
  const ms = () => Math.round(performance.now() - t0);
  const record = await readRemoved(dir);
  const { cluster: full } = await loadCluster(dir, { withRemoved: true });
  const manager = managerFor(full);
  const fixed = removeNodeStaticDecision(full, manager, record, host);
  const done = (d: { kind: string; reason?: string } | undefined) => {
    if (!d) return;
    if (d.kind === 'usage') throw new UsageError(`remove-node ${host}: ${d.reason}`);
    if (d.kind === 'refused') throw new RefusedError(`remove-node ${host} refused: ${d.reason}; nothing changed`);
    if (d.kind === 'unreachable') throw new HostError(`remove-node ${host}: ${d.reason}`);
  };
  done(fixed);
  if (fixed?.kind === 'nothing') {
    write(`${fixed.reason}\n`);
    return { exitCode: ExitCode.Ok, host, changed: false, downstream: [], removeMs: 0, deployMs: 0, ms: ms() };
  }
  if (fixed?.kind === 'finish') {
    write(`${host} is removed; its removal still has to reach the other hosts' configuration\n`);
    return finish(dir, fixed.entry, options, t0, { changed: false, downstream: [], removeMs: 0 });
  }

  let plan: RemovalPlan;
  let readMs = 0;
  let stepsMs = 0;
  let checkMs = 0;
  const lock = acquireLock(full.dir, `remove-node ${host}`);
  const oc = await openCluster(dir);
  try {
    const before = (await gatherSnapshot(oc, { routes: false, barmanCheck: false })).status;
    readMs = ms();
    const decision = checkRemoveNode(oc.cluster, manager, before, record, host);
    done(decision);
    // 'nothing' and 'finish' come from config.yml and removed.json alone, decided above.
    if (decision.kind !== 'remove') return { exitCode: ExitCode.Ok, host, changed: false, downstream: [], removeMs: 0, deployMs: 0, ms: ms() };
    plan = decision;
    const removal = manager.removal as NodeRemoval;
    write(
      `remove ${host} (node ${plan.node}) from cluster ${oc.cluster.name}` +
        (plan.downstream.length ? `: ${plan.downstream.join(', ')} follow${plan.downstream.length === 1 ? 's' : ''} ${plan.upstream} first` : '') +
        '\n',
    );
    if (!plan.reachable) write(`${host} could not be reached (${plan.unreachableBecause}): its services are not stopped; it is still unregistered and its slot dropped\n`);
    for (const step of removalSteps(oc.cluster, removal, plan)) {
      const s0 = performance.now();
      const r = await runOn(oc.connectors, step.host, step.command, { timeoutMs: step.timeoutMs });
      const cause = !r.ok ? r.error : r.result.code !== 0 ? lastLine(r.result.stderr || r.result.stdout) || `exit status ${r.result.code}` : undefined;
      if (cause !== undefined) {
        throw new HostError(`remove-node ${host}: ${step.host}: ${step.name}: ${cause}; fix the cause and rerun m1 remove-node ${dir} ${host} (it continues)`);
      }
      write(`  ${step.name} (${((performance.now() - s0) / 1000).toFixed(1)} s)\n`);
    }
    const platform = platformFor(oc.cluster);
    if (platform.removeHost) {
      const gone = await platform.removeHost(oc.cluster, host);
      write(`  ${gone === 'removed' ? `container ${host} removed` : `container ${host}: already gone`}\n`);
    } else {
      write(`  ${host} is left where it is (${oc.cluster.platform} host)${plan.reachable ? ': its services are stopped and disabled, its data directory kept' : ''}\n`);
    }

    stepsMs = ms() - readMs;
    // The second reading, of the hosts left (a removed container's address answers nothing: its SSH connect
    // would wait out its timeout): what the steps were for.
    const c0 = performance.now();
    const rest = withoutRemoved(oc.cluster, { removed: [{ name: host, node: plan.node, removedAt: '' }] }).cluster;
    const after = await gatherSnapshot({ ...oc, cluster: rest }, { routes: false, barmanCheck: false });
    const slots = Object.fromEntries(Object.entries(after.probes).map(([h, p]) => [h, p.slots.map((s) => s.name)]));
    const left = leftOver(plan, after.status, slots);
    if (left.length > 0) throw new HostError(`remove-node ${host}: after the steps, ${left.join('; ')}; rerun m1 remove-node ${dir} ${host}`);
    for (const d of plan.downstream) write(`  ${d} streams from ${plan.upstream}\n`);
    checkMs = Math.round(performance.now() - c0);
  } finally {
    await oc.close();
    lock.release();
  }

  const removeMs = ms();
  const sec = (x: number) => `${(x / 1000).toFixed(1)} s`;
  write(`${host} removed (${sec(removeMs)}: reading ${sec(readMs)}, steps ${sec(stepsMs)}, check ${sec(checkMs)})\n`);
  const entry: RemovedInstance = { name: host, node: plan.node, removedAt: (options.now?.() ?? new Date()).toISOString(), upstream: plan.upstream, othersPending: true };
  await writeRemoved(dir, withEntry(await readRemoved(dir), entry));
  return finish(dir, entry, options, t0, { changed: true, upstream: plan.upstream, downstream: plan.downstream, removeMs });
}

/** The deploy on the other hosts, then removed.json says it is done, and the lines of config.yml to delete. */
async function finish(
  dir: string,
  entry: RemovedInstance,
  options: RemoveNodeOptions,
  t0: number,
  so: { changed: boolean; upstream?: string; downstream: string[]; removeMs: number },
): Promise<RemoveNodeOutcome> {
  const write = options.write ?? (() => undefined);
  const d0 = performance.now();
  write(`deploy on the other hosts, whose configuration named ${entry.name}\n`);
  const d = await deployCluster(dir, { tty: options.tty ?? false, write });
  const deployMs = Math.round(performance.now() - d0);
  const base = { host: entry.name, ...so, deployMs, ms: Math.round(performance.now() - t0) };
  if (d.exitCode !== ExitCode.Ok) {
    write(`remove-node ${entry.name}: it is removed, but the deploy on the other hosts failed (above); fix the cause and rerun m1 remove-node ${dir} ${entry.name} (or m1 deploy ${dir})\n`);
    return { exitCode: ExitCode.Failed, ...base, changed: true };
  }
  const { othersPending: _p, ...doneEntry } = entry;
  await writeRemoved(dir, withEntry(await readRemoved(dir), doneEntry));
  const { warnings } = await loadCluster(dir);
  const mine = warnings.find((w) => w.startsWith(`${entry.name} was removed`));
  // m1 never rewrites config.yml: what to change there, once more at the end.
  if (mine) write(`${mine}\n`);
  return { exitCode: ExitCode.Ok, ...base, changed: true };
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter((l) => l.trim() !== '').at(-1)?.trim() ?? '';
}
