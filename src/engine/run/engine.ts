/**
 * The runner. Runs a playbook's stages in order; a stage runs its hosts in
 * parallel (at most `forks` at once) or one at a time with a health check
 * between hosts. A host that fails is skipped in every later stage, and so
 * are the hosts whose stage depends on it; the run then ends with exit 1.
 * Every operation is reported (progress, JSONL log, recap), redacted.
 */
import PQueue from 'p-queue';
import { UsageError } from '../../errors.js';
import { buildDaemonReload, buildServiceAction, unitName } from '../commands/systemctl.js';
import type { Connector } from '../connectors/types.js';
import { AccessError, UnreachableError } from '../connectors/types.js';
import type { FactDef } from '../facts/fact.js';
import { HostFacts, type FactReader } from '../facts/hostFacts.js';
import { FLUSH_KIND } from '../operations/flushHandlers.js';
import { CommandFailedError, OperationError, needsOf, type Cmd, type Notify, type OpContext, type Operation, type Report, type Status } from '../operations/types.js';
import { Secrets } from '../secrets.js';
import { lastLines } from '../text/tail.js';
import { acquireLock, type Lock } from './lock.js';
import type { CommandRecord, HostContext, OpResult, Playbook, Recap, Role, RunResult, Stage, Task, Tasks } from './playbook.js';
import { silentReporter, type Reporter } from './reporter.js';
import { RunLog } from './runLog.js';

/** Read-ahead walks a role's generator this far at most (a role that loops on its results must not spin). */
const READ_AHEAD_MAX_STEPS = 200;

interface ReadAhead {
  /** Operations changed in the run when it began: any more, and what it read is forgotten. */
  since: number;
  stopped: boolean;
}

/** Hosts worked on at once within a stage when --forks is not given. */
export const DEFAULT_FORKS = 10;

export interface EngineOptions {
  /** How to reach each host, by inventory name. */
  connectors: Record<string, Connector> | Map<string, Connector>;
  /** Hosts worked on at once in a parallel stage (default 10). */
  forks?: number;
  /** Report what would change, change nothing. */
  check?: boolean;
  /** Longest a change or check command may run (default 10 min; packages take their own). */
  commandTimeoutMs?: number;
  secrets?: Secrets;
  reporter?: Reporter;
  /** Cluster directory: holds the lock and the logs/ of each run. */
  clusterDir?: string;
  /** Named in the lock file (e.g. "deploy"). */
  command?: string;
  /** Take the cluster lock (default: when clusterDir is given). */
  lock?: boolean;
}

interface HostState {
  connector: Connector;
  facts: HostFacts;
  /** Why the host failed in this run (one line), if it did. */
  failed?: string;
}

/** Pending handler per service for the role being run, with notification order. */
interface Pending {
  action: Notify['action'];
  seq: number;
}

/** Whether the unit was (re)started after the notification: that start already applied the change. */
function startedSince(p: Pending, unit: string, startedAt: ReadonlyMap<string, number>): boolean {
  return (startedAt.get(unit) ?? 0) > p.seq;
}

const STDERR_TAIL_LINES = 5;

function tail(text: string, lines = STDERR_TAIL_LINES): string {
  return lastLines(text, lines, '\n');
}

function isAsync(t: Tasks): t is AsyncIterable<Task> {
  return typeof (t as AsyncIterable<Task>)[Symbol.asyncIterator] === 'function';
}

export class Engine {
  readonly secrets: Secrets;
  private readonly options: EngineOptions;
  private readonly connectors: Map<string, Connector>;
  private readonly reporter: Reporter;
  private hosts = new Map<string, HostState>();
  /** Operations reported changed in the current run, every host. */
  private changes = 0;
  private lock: Lock | undefined;
  private seq = 0;
  /** The run's read-ahead while it holds: the change count it began at, and whether it stopped. */
  private ahead: ReadAhead | undefined;

  private constructor(options: EngineOptions) {
    this.options = options;
    this.secrets = options.secrets ?? new Secrets();
    this.connectors = options.connectors instanceof Map ? options.connectors : new Map(Object.entries(options.connectors));
    this.reporter = options.reporter ?? silentReporter;
  }

  /** Opens an engine (taking the cluster lock when a cluster directory is given). */
  static async open(options: EngineOptions): Promise<Engine> {
    const engine = new Engine(options);
    if (options.clusterDir && options.lock !== false) engine.lock = acquireLock(options.clusterDir, options.command ?? 'run');
    return engine;
  }

  get check(): boolean {
    return this.options.check ?? false;
  }

  /** Reads a fact of a host outside a playbook (e.g. to decide the topology before running). */
  fact<T>(host: string, def: FactDef<T>): Promise<T> {
    return this.state(host).facts.fact(def);
  }

  /** The fact cache of a host. */
  facts(host: string): HostFacts {
    return this.state(host).facts;
  }

  /** Closes every connection and releases the lock. */
  async close(): Promise<void> {
    await Promise.all([...this.connectors.values()].map((c) => c.close().catch(() => undefined)));
    this.lock?.release();
    this.lock = undefined;
  }

  private state(host: string): HostState {
    let s = this.hosts.get(host);
    if (!s) {
      const connector = this.connectors.get(host);
      if (!connector) throw new UsageError(`host ${host} is not in the inventory (hosts: ${[...this.connectors.keys()].join(', ') || 'none'})`);
      s = { connector, facts: new HostFacts(connector) };
      this.hosts.set(host, s);
    }
    return s;
  }

  async run(playbook: Playbook): Promise<RunResult> {
    const started = performance.now();
    // Facts are per run: a fresh cache, and no host has failed yet.
    this.hosts = new Map();
    const all = [...new Set(playbook.stages.flatMap((s) => s.hosts))];
    for (const h of all) this.state(h);
    const recap: Record<string, Recap> = Object.fromEntries(all.map((h) => [h, { ok: 0, changed: 0, skipped: 0, failed: 0 }]));
    const results: OpResult[] = [];
    const failures: string[] = [];
    this.changes = 0;
    const log = this.options.clusterDir ? new RunLog(this.options.clusterDir, playbook.name, this.secrets) : undefined;
    log?.write({ event: 'start', playbook: playbook.name, check: this.check, hosts: all });
    const record = (r: OpResult) => {
      results.push(r);
      recap[r.host]![r.status === 'failed' ? 'failed' : r.status]++;
      if (r.status === 'changed') this.changes++;
      if (r.status === 'failed' && r.error) failures.push(r.error);
      log?.write({ event: 'op', ...r });
      this.reporter.taskEnd?.(r);
    };
    this.reporter.runStart?.(playbook, this.check);
    if (playbook.readAhead) this.startReadAhead(playbook);
    let result!: RunResult;
    try {
      for (const stage of playbook.stages) await this.runStage(stage, record);
    } finally {
      // Reads still in flight are left to finish on their own: a run never waits for what it did not need.
      if (this.ahead) this.ahead.stopped = true;
      this.ahead = undefined;
      result = {
        playbook: playbook.name,
        check: this.check,
        exitCode: failures.length ? 1 : 0,
        durationMs: Math.round(performance.now() - started),
        recap,
        results,
        failures,
        logFile: log?.path,
      };
      log?.write({ event: 'end', exitCode: result.exitCode, durationMs: result.durationMs, recap, failures });
      log?.close();
    }
    await this.reporter.runEnd?.(result);
    return result;
  }

  /**
   * Read-ahead: every host (at most `forks` at once) evaluates its roles of
   * the later stages, in order, as if each operation found its target state,
   * and reads what they read and what their operations need; nothing runs
   * but reads. On a
   * converged cluster each later stage then finds its facts cached and costs
   * no round trip, instead of waiting for its slowest host to answer. An
   * entry read ahead is as fresh as the start of the run: once any operation
   * changes something, on any host, every such entry is forgotten before the
   * next role starts and read-ahead stops (checkAhead), so a run that changes
   * something reads what it always read, when it always read it.
   */
  private startReadAhead(playbook: Playbook): void {
    const ahead: ReadAhead = { since: this.changes, stopped: false };
    this.ahead = ahead;
    const later = new Map<string, Role[]>();
    for (const stage of playbook.stages.slice(1)) {
      for (const host of stage.hosts) later.set(host, [...(later.get(host) ?? []), ...(typeof stage.roles === 'function' ? stage.roles(host) : stage.roles)]);
    }
    const queue = new PQueue({ concurrency: Math.max(1, this.options.forks ?? DEFAULT_FORKS) });
    for (const [host, roles] of later) {
      void queue.add(async () => {
        for (const role of roles) {
          if (ahead.stopped) return;
          // A failed read ahead is not cached: the role reads again and reports its own error.
          await this.readAheadFor(ahead, host, role).catch(() => undefined);
        }
      });
    }
  }

  private async readAheadFor(ahead: ReadAhead, host: string, role: Role): Promise<void> {
    const facts = this.state(host).facts.ahead(() => ahead.stopped);
    const tasks = await role.tasks(this.hostContext(host, facts));
    if (Array.isArray(tasks)) return facts.prefetch(needsOf((tasks as Task[]).flat()));
    // A generator: walked to its end as if every operation found its target state (what read-ahead bets on),
    // so the reads it makes between operations are read ahead too. Nothing is applied.
    const steps = isAsync(tasks) ? tasks[Symbol.asyncIterator]() : (tasks as Iterable<Task>)[Symbol.iterator]();
    try {
      let converged: OpResult | undefined;
      for (let n = 0; n < READ_AHEAD_MAX_STEPS && !ahead.stopped; n++) {
        const step = await steps.next(converged as never);
        if (step.done) return;
        const ops: readonly Operation[] = Array.isArray(step.value) ? step.value : [step.value as Operation];
        await facts.prefetch(needsOf(ops));
        const last = ops[ops.length - 1];
        converged = last && { host, stage: '', role: role.name, task: last.name, kind: last.kind, status: 'ok', durationMs: 0, commands: [] };
      }
    } finally {
      await steps.return?.();
    }
  }

  /** Before a role starts: if anything changed since read-ahead began, forget what it read and stop it. */
  private checkAhead(): void {
    if (!this.ahead || this.ahead.stopped || this.changes === this.ahead.since) return;
    this.ahead.stopped = true;
    for (const st of this.hosts.values()) st.facts.forgetAhead();
  }

  private skip(stage: Stage, host: string, message: string, record: (r: OpResult) => void): void {
    record({ host, stage: stage.name, role: '-', task: `stage ${stage.name}`, kind: 'stage', status: 'skipped', durationMs: 0, commands: [], message });
  }

  /** Why a host must sit this stage out, if it must. */
  private blocked(stage: Stage, host: string): string | undefined {
    const own = this.state(host).failed;
    if (own) return 'host failed earlier in this run';
    const deps = typeof stage.dependsOn === 'function' ? stage.dependsOn(host) : (stage.dependsOn ?? []);
    const failedDep = deps.find((d) => this.hosts.get(d)?.failed);
    return failedDep ? `depends on ${failedDep}, which failed` : undefined;
  }

  private async runStage(stage: Stage, record: (r: OpResult) => void): Promise<void> {
    this.reporter.stageStart?.(stage, stage.hosts);
    if (stage.serial) {
      let stopped: string | undefined;
      for (const host of stage.hosts) {
        const why = stopped ?? this.blocked(stage, host);
        if (why) {
          this.skip(stage, host, why, record);
          this.reporter.hostEnd?.(stage, host, undefined);
          continue;
        }
        await this.runHost(stage, host, record);
        if (!this.state(host).failed && stage.healthCheck) {
          await this.runRole(stage, host, { name: 'health check', tasks: () => stage.healthCheck!(host) }, record);
        }
        const failed = this.state(host).failed;
        if (failed) stopped = `stage stopped: ${host} failed`;
        this.reporter.hostEnd?.(stage, host, failed);
      }
    } else {
      const queue = new PQueue({ concurrency: Math.max(1, this.options.forks ?? DEFAULT_FORKS) });
      await Promise.all(
        stage.hosts.map((host) =>
          queue.add(async () => {
            const why = this.blocked(stage, host);
            if (why) this.skip(stage, host, why, record);
            else await this.runHost(stage, host, record);
            this.reporter.hostEnd?.(stage, host, why ? undefined : this.state(host).failed);
          }),
        ),
      );
    }
    await this.reporter.stageEnd?.(stage);
  }

  private async runHost(stage: Stage, host: string, record: (r: OpResult) => void): Promise<void> {
    const roles = typeof stage.roles === 'function' ? stage.roles(host) : stage.roles;
    for (const role of roles) {
      await this.runRole(stage, host, role, record);
      if (this.state(host).failed) return;
    }
  }

  private hostContext(host: string, facts: FactReader = this.state(host).facts): HostContext {
    return {
      host,
      check: this.check,
      fact: (def) => facts.fact(def),
      facts: {
        os: () => facts.os(),
        packages: () => facts.packages(),
        stat: (p) => facts.stat(p),
        content: (p) => facts.content(p),
        service: (u) => facts.service(u),
        accounts: () => facts.accounts(),
        prefetch: (needs) => facts.prefetch(needs),
      },
      secret: (v) => this.secrets.register(v),
      changesSoFar: () => this.changes,
    };
  }

  private async runRole(stage: Stage, host: string, role: Role, record: (r: OpResult) => void): Promise<void> {
    const st = this.state(host);
    const pending = new Map<string, Pending>();
    const startedAt = new Map<string, number>();
    const fail = (task: string, kind: string, e: unknown, t0: number) => {
      const r = this.failure(stage, host, role.name, task, kind, e, [], t0);
      st.failed = r.error;
      record(r);
    };
    let tasks: Tasks;
    this.checkAhead();
    const t0 = performance.now();
    try {
      tasks = await role.tasks(this.hostContext(host));
    } catch (e) {
      fail(`role ${role.name}`, 'role', e, t0);
      return;
    }
    // A plain list: every fact it needs, fetched up front in a few batched reads.
    if (Array.isArray(tasks)) await this.prefetch(st, (tasks as Task[]).flat());
    const iterator = isAsync(tasks) ? tasks[Symbol.asyncIterator]() : (tasks as Iterable<Task>)[Symbol.iterator]();
    let last: OpResult | undefined;
    for (;;) {
      let step: IteratorResult<Task>;
      try {
        step = await iterator.next(last as never);
      } catch (e) {
        fail(`role ${role.name}`, 'role', e, performance.now());
        return;
      }
      if (step.done) break;
      const ops: readonly Operation[] = Array.isArray(step.value) ? step.value : [step.value as Operation];
      if (ops.length > 1 && !Array.isArray(tasks)) await this.prefetch(st, ops);
      for (const op of ops) {
        if (op.kind === FLUSH_KIND) {
          last = (await this.flush(stage, host, role.name, pending, startedAt, record, op.name)) ?? last;
        } else {
          last = await this.runOp(stage, host, role.name, op, pending, startedAt);
          record(last);
        }
        if (st.failed) {
          await iterator.return?.();
          return;
        }
      }
    }
    await this.flush(stage, host, role.name, pending, startedAt, record);
  }

  private async prefetch(st: HostState, ops: readonly Operation[]): Promise<void> {
    // A failed prefetch is not fatal: each operation reads again and reports its own error.
    await st.facts.prefetch(needsOf(ops)).catch(() => undefined);
  }

  private context(host: string, records: CommandRecord[], startedAt: Map<string, number>, pending?: ReadonlyMap<string, Pending>): OpContext {
    const st = this.state(host);
    const run = async (cmd: Cmd, probe: boolean) => {
      this.refuseSecretArguments(cmd);
      const rec: CommandRecord = { command: this.secrets.redact(cmd.display ?? cmd.cmd), exit: null };
      if (probe) rec.probe = true;
      records.push(rec);
      const r = await st.connector.run(cmd.cmd, { stdin: cmd.stdin, timeoutMs: cmd.timeoutMs ?? this.options.commandTimeoutMs ?? 600_000, idempotent: probe });
      rec.exit = r.code;
      if (r.stderr.trim()) rec.stderrTail = this.secrets.redact(tail(r.stderr));
      if (r.code !== 0 && r.stdout.trim()) rec.stdoutTail = this.secrets.redact(tail(r.stdout));
      return r;
    };
    return {
      host,
      facts: st.facts,
      check: this.check,
      secrets: this.secrets,
      change: async (cmd) => {
        if (this.check) {
          this.refuseSecretArguments(cmd);
          records.push({ command: this.secrets.redact(cmd.display ?? cmd.cmd), exit: null });
          return undefined;
        }
        const r = await run(cmd, false);
        if (!(cmd.okCodes ?? [0]).includes(r.code)) {
          throw new CommandFailedError(this.secrets.redact(cmd.display ?? cmd.cmd), r.code, this.secrets.redact(tail(r.stderr)));
        }
        return r;
      },
      probe: (cmd) => run(cmd, true),
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      started: (service) => startedAt.set(unitName(service), ++this.seq),
      pendingAction: (service) => {
        const unit = unitName(service);
        const p = pending?.get(unit);
        return p && !startedSince(p, unit, startedAt) ? p.action : undefined;
      },
    };
  }

  /** Secrets travel on stdin or in files: a command line is visible to every user of the host (ps, /proc). */
  private refuseSecretArguments(cmd: Cmd): void {
    if (this.secrets.contains(cmd.cmd)) {
      throw new OperationError(`refusing to run a command with a secret in its arguments (\`${this.secrets.redact(cmd.cmd)}\`); pass the secret on stdin`);
    }
  }

  private async runOp(stage: Stage, host: string, role: string, op: Operation, pending: Map<string, Pending>, startedAt: Map<string, number>): Promise<OpResult> {
    const t0 = performance.now();
    this.reporter.taskStart?.(host, role, op.name);
    if (!op.when) return this.result(stage, host, role, op, 'skipped', [], t0, { status: 'skipped', message: 'condition false' });
    const records: CommandRecord[] = [];
    let report: Report;
    try {
      report = await op.apply(this.context(host, records, startedAt, pending));
    } catch (e) {
      const r = this.failure(stage, host, role, op.name, op.kind, e, records, t0);
      this.state(host).failed = r.error;
      return r;
    }
    if (report.status === 'changed') {
      for (const n of op.notify) {
        const unit = unitName(n.service);
        const prev = pending.get(unit);
        // restart wins over reload; the latest notification decides whether a later start satisfies it
        pending.set(unit, { action: prev?.action === 'restart' ? 'restart' : n.action, seq: ++this.seq });
      }
    }
    return this.result(stage, host, role, op, report.status, records, t0, report);
  }

  /** Runs the pending restarts/reloads once each (restart wins), skipping services (re)started since they were notified. */
  private async flush(
    stage: Stage,
    host: string,
    role: string,
    pending: Map<string, Pending>,
    startedAt: Map<string, number>,
    record: (r: OpResult) => void,
    label?: string,
  ): Promise<OpResult | undefined> {
    let last: OpResult | undefined;
    for (const [unit, p] of [...pending]) {
      pending.delete(unit);
      const name = `${label ? label + ': ' : 'handler: '}${p.action} ${unit}`;
      const t0 = performance.now();
      this.reporter.taskStart?.(host, role, name);
      const op: Operation = { kind: 'handler', name, when: true, notify: [], needs: () => [], apply: async () => ({ status: 'ok' }) };
      if (startedSince(p, unit, startedAt)) {
        last = this.result(stage, host, role, op, 'ok', [], t0, { status: 'ok', message: `${unit} was (re)started after the change` });
        record(last);
        continue;
      }
      const records: CommandRecord[] = [];
      const ctx = this.context(host, records, startedAt);
      try {
        let state = await ctx.facts.service(unit);
        if (state.needDaemonReload && !this.check) {
          // the unit file changed in this role: restart with the new definition, not the old one
          await ctx.change({ cmd: buildDaemonReload() });
          ctx.facts.invalidateAll();
          state = await ctx.facts.service(unit);
        }
        if (p.action === 'reload' && state.activeState !== 'active') {
          last = this.result(stage, host, role, op, 'ok', records, t0, { status: 'ok', message: `${unit} is not running: nothing to reload` });
        } else {
          await ctx.change({ cmd: buildServiceAction(p.action, unit) });
          ctx.started(unit);
          ctx.facts.invalidateService(unit);
          last = this.result(stage, host, role, op, 'changed', records, t0, { status: 'changed', message: this.check ? `would ${p.action} ${unit}` : `${unit} ${p.action}ed` });
        }
      } catch (e) {
        last = this.failure(stage, host, role, name, 'handler', e, records, t0);
        this.state(host).failed = last.error;
        record(last);
        return last;
      }
      record(last);
    }
    return last;
  }

  private result(stage: Stage, host: string, role: string, op: Operation, status: Status, commands: CommandRecord[], t0: number, report: Report): OpResult {
    const r: OpResult = { host, stage: stage.name, role, task: this.secrets.redact(op.name), kind: op.kind, status, durationMs: Math.round((performance.now() - t0) * 10) / 10, commands };
    if (report.diff) r.diff = this.secrets.redact(report.diff);
    if (report.message) r.message = this.secrets.redact(report.message);
    return r;
  }

  /** A failed operation's result and its one-line error. */
  private failure(stage: Stage, host: string, role: string, task: string, kind: string, e: unknown, commands: CommandRecord[], t0: number): OpResult {
    let error: string;
    if (e instanceof UnreachableError || e instanceof AccessError) error = e.message; // already "<host>: ..."
    else if (e instanceof Error && e.message.startsWith(`${host}: `)) error = `${host} ${role} › ${task}: ${e.message.slice(host.length + 2)}`;
    else error = `${host} ${role} › ${task}: ${e instanceof Error ? e.message : String(e)}`;
    error = this.secrets.redact(error.replace(/\s*\n\s*/g, ' | '));
    return {
      host,
      stage: stage.name,
      role,
      task: this.secrets.redact(task),
      kind,
      status: 'failed',
      durationMs: Math.round((performance.now() - t0) * 10) / 10,
      commands,
      error,
    };
  }
}

/** Opens an engine, runs one playbook, closes it. */
export async function runPlaybook(playbook: Playbook, options: EngineOptions): Promise<RunResult> {
  const engine = await Engine.open(options);
  try {
    return await engine.run(playbook);
  } finally {
    await engine.close();
  }
}
