/**
 * What a host looks like, read on demand. Built-in facts (files, packages,
 * services, accounts, OS) are batched and cached per run; roles can define
 * their own read-only facts with `defineFact`.
 */
import { HostError } from '../../errors.js';
import type { CommandResult } from '../connectors/types.js';
import { stderrTail } from '../text/tail.js';

/** A read-only fact from one command: cached per host per run under `key`. */
export interface FactDef<T> {
  readonly key: string;
  readonly command: string;
  /** Data for the command's stdin (a secret the read needs travels here, never in `command`). */
  readonly stdin?: string;
  parse(result: CommandResult): T;
}

/**
 * Defines a fact a role can read with `h.fact(def)`. `parse` receives the
 * command's result whatever its exit status, so a fact can tell "no" from
 * "cannot tell" itself; it may throw to report a failure.
 */
export function defineFact<T>(key: string, command: string, parse: (result: CommandResult) => T, options: { stdin?: string } = {}): FactDef<T> {
  return { key: `custom:${key}`, command, parse, ...(options.stdin !== undefined ? { stdin: options.stdin } : {}) };
}

/** What an operation will read, so the runner can fetch many at once before it runs. */
export type FactNeed =
  | { kind: 'stat'; path: string }
  | { kind: 'content'; path: string }
  | { kind: 'service'; unit: string }
  | { kind: 'packages' }
  | { kind: 'accounts' }
  | { kind: 'os' }
  /** A role-defined fact: read in the same command as the rest (when it needs no stdin). */
  | { kind: 'fact'; def: FactDef<unknown> };

/** A fact command failed: names the command, its exit status and stderr. */
export class FactError extends HostError {
  readonly command: string;
  readonly code: number;
  readonly stderr: string;
  constructor(what: string, command: string, result: CommandResult) {
    const tail = stderrTail(result, 3);
    super(`reading ${what}: \`${command.length > 120 ? command.slice(0, 117) + '...' : command}\` exited ${result.code}${tail ? `: ${tail}` : ''}`);
    this.command = command;
    this.code = result.code;
    this.stderr = result.stderr;
  }
}
