/**
 * The operation contract. An operation reads facts, decides what differs
 * from the wanted state, and changes only that, through `ctx.change` (which
 * does nothing in check mode). It reports ok / changed / skipped; it fails
 * by throwing (a failed command throws CommandFailedError).
 */
import { HostError } from '../../errors.js';
import type { CommandResult } from '../connectors/types.js';
import type { FactNeed } from '../facts/fact.js';
import type { HostFacts } from '../facts/hostFacts.js';
import type { Secrets } from '../secrets.js';
import { lastLines } from '../text/tail.js';

export type Status = 'ok' | 'changed' | 'skipped' | 'failed';

/** A deferred service action, run once at the end of the role. */
export interface Notify {
  service: string;
  action: 'restart' | 'reload';
}

export const restart = (service: string): Notify => ({ service, action: 'restart' });
export const reload = (service: string): Notify => ({ service, action: 'reload' });

/** Options every operation takes. */
export interface CommonOptions {
  /** Task name shown in progress, recap and log (a default names the kind and target). */
  name?: string;
  /** false: the operation is reported skipped and reads nothing. */
  when?: boolean;
  /** Handlers to run at the role's end when this operation changed something. */
  notify?: Notify | Notify[];
}

/** A command an operation wants run on the host. */
export interface Cmd {
  cmd: string;
  /** Data for stdin: file contents and secrets travel here. */
  stdin?: string | Buffer;
  /** What progress and the log show instead of `cmd` (e.g. without a long inline script). */
  display?: string;
  timeoutMs?: number;
  /** Exit statuses that count as success (default [0]). */
  okCodes?: number[];
}

export interface Report {
  status: Exclude<Status, 'failed'>;
  /** Unified diff (files) or a before/after summary. */
  diff?: string;
  /** A short note ("would install x y", "creates /x exists"). */
  message?: string;
}

export interface OpContext {
  readonly host: string;
  readonly facts: HostFacts;
  readonly check: boolean;
  readonly secrets: Secrets;
  /** Runs a change; in check mode records it and returns undefined. Throws on an exit status not in okCodes. */
  change(cmd: Cmd): Promise<CommandResult | undefined>;
  /** Runs a read-only command (also in check mode); returns its result whatever the exit status. */
  probe(cmd: Cmd): Promise<CommandResult>;
  /** Waits, without holding the connection (used by wait-until). */
  sleep(ms: number): Promise<void>;
  /** Services started or restarted by this operation (so pending restarts are not repeated). */
  started(service: string): void;
  /** The restart or reload a change of this role has notified for the unit and that has not run yet. */
  pendingAction(service: string): 'restart' | 'reload' | undefined;
}

export interface Operation {
  readonly kind: string;
  readonly name: string;
  readonly when: boolean;
  readonly notify: Notify[];
  /** Facts the operation will read, fetched in batches with its neighbours'. */
  needs(): FactNeed[];
  apply(ctx: OpContext): Promise<Report>;
}

/** The facts these operations will read (those that run): what a prefetch takes. */
export function needsOf(ops: readonly Operation[]): FactNeed[] {
  return ops.filter((o) => o.when).flatMap((o) => o.needs());
}

/** A command exited with a status not in its okCodes. */
export class CommandFailedError extends HostError {
  readonly command: string;
  readonly code: number;
  readonly stderrTail: string;
  constructor(command: string, code: number, stderrTail: string) {
    super(`\`${command}\` exited ${code}${stderrTail ? `: ${lastLines(stderrTail, 3)}` : ''}`);
    this.command = command;
    this.code = code;
    this.stderrTail = stderrTail;
  }
}

/** The operation cannot do what was asked (bad arguments, wrong file type...). */
export class OperationError extends HostError {}

export function notifications(n: Notify | Notify[] | undefined): Notify[] {
  return n === undefined ? [] : Array.isArray(n) ? n : [n];
}

/** Fills the common fields of an operation. */
export function base(kind: string, defaultName: string, options: CommonOptions): Pick<Operation, 'kind' | 'name' | 'when' | 'notify'> {
  return { kind, name: options.name ?? defaultName, when: options.when ?? true, notify: notifications(options.notify) };
}
