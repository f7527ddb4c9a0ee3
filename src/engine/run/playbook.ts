/**
 * What roles and playbooks are made of. A role is a function of the host it
 * runs on, returning (or yielding) operations; it reads live state through
 * facts and never opens connections, spawns processes or sleeps.
 */
import type { OsRelease } from '../commands/osRelease.js';
import type { FileStat } from '../commands/statFiles.js';
import type { ServiceState } from '../commands/systemctl.js';
import type { Accounts } from '../commands/users.js';
import type { FactDef, FactNeed } from '../facts/fact.js';
import type { Operation, Status } from '../operations/types.js';

/** One operation, or several whose facts are fetched together. */
export type Task = Operation | readonly Operation[];

/** What a role returns: a list, or a (async) generator that gets each operation's result back from `yield`. */
export type Tasks = Iterable<Task> | AsyncIterable<Task>;

/** What a role sees of the host it declares tasks for. */
export interface HostContext {
  /** Inventory name of the host. */
  readonly host: string;
  /** Check mode: nothing will be changed. */
  readonly check: boolean;
  /** A role-defined fact (see defineFact), cached for the run. */
  fact<T>(def: FactDef<T>): Promise<T>;
  readonly facts: {
    os(): Promise<OsRelease>;
    packages(): Promise<Map<string, string>>;
    stat(path: string): Promise<FileStat | null>;
    content(path: string): Promise<Buffer | null>;
    service(unit: string): Promise<ServiceState>;
    accounts(): Promise<Accounts>;
    /** Reads in one command every fact named that is not cached yet (a role's later checks then cost no round trip). */
    prefetch(needs: readonly FactNeed[]): Promise<void>;
  };
  /** Registers a secret (redacted everywhere from now on) and returns it. */
  secret(value: string): string;
  /**
   * Operations reported changed so far in this run, on every host: a role may
   * leave out a verification that only a change could make necessary.
   */
  changesSoFar(): number;
}

export interface Role {
  readonly name: string;
  tasks(h: HostContext): Tasks | Promise<Tasks>;
}

export function defineRole(name: string, tasks: (h: HostContext) => Tasks | Promise<Tasks>): Role {
  return { name, tasks };
}

export interface Stage {
  name: string;
  hosts: readonly string[];
  /** The roles every host of the stage runs, in order (or chosen per host). */
  roles: readonly Role[] | ((host: string) => readonly Role[]);
  /** One host at a time, in order, with `healthCheck` after each; the stage stops at the first failure. */
  serial?: boolean;
  /** Operations that must pass on a host before the next one starts (serial stages). */
  healthCheck?: (host: string) => readonly Operation[];
  /** Hosts this stage (or this host's part of it) needs: if one of them failed, the host is skipped. */
  dependsOn?: readonly string[] | ((host: string) => readonly string[]);
}

export interface Playbook {
  name: string;
  stages: readonly Stage[];
  /**
   * While the first stages run, each host reads what its roles in later
   * stages will read (the engine's read-ahead): a converged later stage then
   * waits for no host. Only for roles that read through facts alone (the
   * contract of a role), since their tasks are evaluated twice.
   */
  readAhead?: boolean;
}

export interface CommandRecord {
  /** The command as shown (redacted); file writes show a summary, never the content. */
  command: string;
  /** Exit status; null when not run (check mode). */
  exit: number | null;
  stderrTail?: string;
  /** The last lines of a failed command's stdout (many tools print their reasons there). */
  stdoutTail?: string;
  /** A read-only check (guards, wait-until), not a change. */
  probe?: boolean;
}

export interface OpResult {
  host: string;
  stage: string;
  role: string;
  task: string;
  kind: string;
  status: Status;
  durationMs: number;
  commands: CommandRecord[];
  diff?: string;
  message?: string;
  /** The one-line failure (names host, role, task, command, exit status, stderr tail). */
  error?: string;
}

export interface Recap {
  ok: number;
  changed: number;
  skipped: number;
  failed: number;
}

export interface RunResult {
  playbook: string;
  check: boolean;
  /** 0 when no host failed, else 1. */
  exitCode: 0 | 1;
  durationMs: number;
  recap: Record<string, Recap>;
  results: OpResult[];
  /** One line per failed host. */
  failures: string[];
  /** The JSONL log of this run (when a cluster directory was given). */
  logFile?: string;
}
