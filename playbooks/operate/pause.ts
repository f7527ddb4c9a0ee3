/**
 * `m1 pause` / `m1 resume` as library calls: automatic failover paused or
 * resumed for the whole cluster through the failover manager
 * (FailoverManager.pause: repmgr's `service pause`, Patroni's DCS pause), then
 * read back from every member until each says so. Idempotent: a cluster
 * already in the wanted state is left alone (exit 0, nothing run).
 *
 * `setFailoverPaused(oc, …)` works on an open cluster under the caller's
 * lock; `withFailoverPaused(oc, fn)` runs `fn` paused and resumes afterwards,
 * also when `fn` fails, unless the cluster was paused before (a person's pause
 * stays). A manager without a pause (EFM) is a UsageError (exit 2) naming what
 * to do instead.
 */
import { HostError, RefusedError, UsageError } from '../../src/errors.js';
import { ExitCode } from '../../src/exitCodes.js';
import { acquireLock } from '../../src/engine/run/lock.js';
import { readSecret } from '../../src/secrets/index.js';
import { instanceByName, type Cluster } from '../../src/inventory/cluster.js';
import { pauseState, type FailoverManager, type FailoverPause, type FmView, type PauseState } from '../../roles/failoverManager.js';
import { managerFor } from '../../roles/managers.js';
import { openCluster, runOn, type OpenCluster } from './cluster.js';
import { mixedPause, type ClusterStatus } from './health.js';
import { gatherSnapshot } from './status.js';

export interface PauseOptions {
  /** Progress lines. */
  write?: (text: string) => void;
  /** Resume even without exactly one running primary (the manager then fails over at once). */
  force?: boolean;
  /** Between readings while members take the new state (default 1 s). */
  pollMs?: number;
  /** How long members may take to say the new state (default: the manager's). */
  settleMs?: number;
}

export interface PauseOutcome {
  exitCode: ExitCode;
  /** What was asked: paused (m1 pause) or active (m1 resume). */
  wanted: 'paused' | 'active';
  before: PauseState;
  after: PauseState;
  /** The host the manager's command ran on; undefined when nothing needed doing. */
  ranOn?: string;
  /** The manager's command ran (the cluster was not already as wanted). */
  changed: boolean;
  /** Why it is not done everywhere (exit 1). */
  problems: string[];
  ms: number;
}

/** The manager's pause, or the exit-2 error saying why it has none. */
export function managerPause(cluster: Cluster, manager: FailoverManager = managerFor(cluster)): FailoverPause {
  const p = manager.pause;
  if ('unsupported' in p) throw new UsageError(`${cluster.name}: ${p.unsupported(cluster)}`);
  return p;
}

const members = (cluster: Cluster): string[] => managerFor(cluster).members(cluster).map((i) => i.name);

/** The member to run the manager's command on: the primary first, then the host whose view status read, then any member that answered for itself. */
export function pauseHost(cluster: Cluster, status: Pick<ClusterStatus, 'primary' | 'fm'>): string | undefined {
  const names = members(cluster);
  const answered = (h: string | undefined): h is string => h !== undefined && names.includes(h) && status.fm.nodes.some((n) => n.name === h && n.paused !== undefined);
  return [status.primary, status.fm.from, ...names].find(answered);
}

/** "every member (a, b)", "a, b; c did not say", for the report. */
export function describePause(p: PauseState, view: Pick<FmView, 'paused'>, all: readonly string[]): string {
  const unknown = all.filter((m) => !p.paused.includes(m) && !p.active.includes(m));
  const tail = unknown.length > 0 ? `; ${unknown.join(', ')} did not say (unreachable, or its manager does not answer)` : '';
  switch (p.state) {
    case 'paused':
      return `PAUSED on ${unknown.length === 0 ? `every member (${p.paused.join(', ')})` : p.paused.join(', ') || 'the DCS'}${tail}`;
    case 'active':
      return `active on ${unknown.length === 0 ? `every member (${p.active.join(', ')})` : p.active.join(', ') || 'the DCS'}${tail}`;
    case 'mixed':
      return `${mixedPause(p, view.paused)}${tail}`;
    default:
      return `not known: no member said${tail}`;
  }
}

function done(state: PauseState, wanted: 'paused' | 'active'): boolean {
  return state.state === wanted;
}

/**
 * Pauses (`paused` true) or resumes automatic failover on an open cluster, the
 * caller holding the cluster lock. Nothing runs when every member already
 * says so. Resuming is refused (exit 3) unless exactly one primary runs, as
 * the manager would fail over at once, unless `force`.
 */
export async function setFailoverPaused(oc: OpenCluster, paused: boolean, options: PauseOptions = {}): Promise<PauseOutcome> {
  const t0 = performance.now();
  const write = options.write ?? (() => undefined);
  const { cluster } = oc;
  const manager = managerFor(cluster);
  const pause = managerPause(cluster, manager);
  const wanted = paused ? 'paused' : 'active';
  const all = members(cluster);
  const read = async () => (await gatherSnapshot(oc, { barmanCheck: false, routes: false })).status;
  const first = await read();
  const before = pauseState(first.fm, all);
  const outcome = (o: Omit<PauseOutcome, 'ms' | 'wanted' | 'before'>): PauseOutcome => ({ ...o, wanted, before, ms: Math.round(performance.now() - t0) });
  if (done(before, wanted)) {
    write(`automatic failover is already ${describePause(before, first.fm, all)}: nothing to do\n`);
    return outcome({ exitCode: ExitCode.Ok, after: before, changed: false, problems: [] });
  }
  if (!paused && first.primaries.length !== 1 && !options.force) {
    const why = first.primaries.length === 0 ? 'no data node runs as primary' : `${first.primaries.length} data nodes run as primary (${first.primaries.join(', ')})`;
    throw new RefusedError(
      `resume ${cluster.name}: ${why}: ${manager.title} would fail over as soon as it is resumed. Start the primary first (m1 status shows it), ` +
        `or resume anyway with --force and let ${manager.title} fail over; nothing changed`,
    );
  }
  const host = pauseHost(cluster, first);
  if (host === undefined) {
    throw new HostError(`${paused ? 'pause' : 'resume'} ${cluster.name}: no member's ${manager.title} answered (${first.problems.join('; ') || 'no member read'}); nothing changed`);
  }
  const secret = pause.secret === undefined ? undefined : await readSecret(cluster.dir, pause.secret);
  const cmd = pause.command(cluster, instanceByName(cluster, host)!, paused, secret);
  write(`${cmd.display} on ${host} ...\n`);
  const r = await runOn(oc.connectors, host, cmd.command, { timeoutMs: cmd.timeoutMs, ...(cmd.stdin !== undefined ? { stdin: cmd.stdin } : {}) });
  const problems: string[] = [];
  if (!r.ok) problems.push(`${host}: ${r.error}`);
  else {
    const failure = pause.failure(r.result);
    if (failure) problems.push(`${cmd.display} on ${host}: ${failure}`);
  }
  // Each member says its own state: wait until every one that answered before says the new one (Patroni: up to a loop).
  const answered = [...before.paused, ...before.active];
  const until = performance.now() + (options.settleMs ?? pause.settleMs);
  let last = first;
  let after = before;
  for (;;) {
    last = await read();
    after = pauseState(last.fm, all);
    const settled = answered.every((m) => (paused ? after.paused : after.active).includes(m));
    if ((done(after, wanted) && settled) || performance.now() > until) break;
    await new Promise((res) => setTimeout(res, options.pollMs ?? 1000));
  }
  if (!done(after, wanted)) problems.push(`automatic failover is ${describePause(after, last.fm, all)}, not ${wanted} everywhere`);
  const unknown = all.filter((m) => !after.paused.includes(m) && !after.active.includes(m));
  if (unknown.length > 0 && problems.length === 0) problems.push(`${unknown.join(', ')} did not say whether it is ${wanted}: unreachable, or its ${manager.title} does not answer`);
  write(`automatic failover ${describePause(after, last.fm, all)} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  return outcome({ exitCode: problems.length === 0 ? ExitCode.Ok : ExitCode.Failed, after, ranOn: host, changed: true, problems });
}

async function locked(dir: string, command: string, fn: (oc: OpenCluster) => Promise<PauseOutcome>): Promise<PauseOutcome> {
  const oc = await openCluster(dir);
  try {
    managerPause(oc.cluster);
    const lock = acquireLock(oc.cluster.dir, command);
    try {
      return await fn(oc);
    } finally {
      lock.release();
    }
  } finally {
    await oc.close();
  }
}

/** `m1 pause <cluster-dir>`: automatic failover paused on every member, under the cluster lock. */
export function pauseFailover(dir: string, options: PauseOptions = {}): Promise<PauseOutcome> {
  return locked(dir, 'pause', (oc) => setFailoverPaused(oc, true, options));
}

/** `m1 resume <cluster-dir>`: automatic failover back on every member, under the cluster lock. */
export function resumeFailover(dir: string, options: PauseOptions = {}): Promise<PauseOutcome> {
  return locked(dir, 'resume', (oc) => setFailoverPaused(oc, false, options));
}

/**
 * Runs `fn` with automatic failover paused (planned restarts), resuming
 * afterwards, also when `fn` throws, unless the cluster was paused before it
 * (then a person paused it, and it stays paused). A resume that fails or is
 * refused is said through `write`; it never hides `fn`'s own error, and is a
 * HostError when `fn` succeeded.
 */
export async function withFailoverPaused<T>(oc: OpenCluster, fn: () => Promise<T>, options: PauseOptions = {}): Promise<T> {
  const write = options.write ?? (() => undefined);
  const p = await setFailoverPaused(oc, true, options);
  if (p.exitCode !== ExitCode.Ok) throw new HostError(`automatic failover could not be paused: ${p.problems.join('; ')}`);
  const ours = p.changed;
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    if (ours) {
      const why = await resumeProblem(oc, options);
      if (why) write(`automatic failover is still paused: ${why}\n`);
    }
    throw e;
  }
  if (ours) {
    const why = await resumeProblem(oc, options);
    if (why) throw new HostError(`automatic failover is still paused: ${why}`);
  }
  return result;
}

async function resumeProblem(oc: OpenCluster, options: PauseOptions): Promise<string | undefined> {
  try {
    const r = await setFailoverPaused(oc, false, options);
    return r.exitCode === ExitCode.Ok ? undefined : r.problems.join('; ');
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
