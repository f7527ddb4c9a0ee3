import { Command, CommanderError } from 'commander';
import { M1Error } from '../errors.js';
import { ExitCode } from '../exitCodes.js';

/**
 * Runs a command's action and records its exit status. Actions return the
 * status rather than calling process.exit, so the CLI stays testable in-process.
 */
export type Action<A extends unknown[]> = (...args: A) => Promise<ExitCode | number> | ExitCode | number;

export interface RunState {
  exitCode: number;
  /** When the command started, on performance.now()'s clock. */
  startedAt: number;
}

export function wrap<A extends unknown[]>(state: RunState, fn: Action<A>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    state.exitCode = await fn(...args);
  };
}

/** A user-facing failure: its message only, no stack. Anything else is a bug. */
export function reportError(err: unknown, stderr: (s: string) => void): number {
  if (err instanceof M1Error) {
    stderr(`m1: ${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof CommanderError) {
    // commander already printed its message; --help and --version are success.
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
      return ExitCode.Ok;
    }
    return ExitCode.BadInput;
  }
  const e = err as Error;
  stderr(`m1: internal error: ${e?.stack ?? String(err)}\n`);
  return ExitCode.Failed;
}

/** The text after a command's options: how it is typically run, one command per line. */
export function examples(...lines: string[]): string {
  return `\n${lines.length === 1 ? 'Example' : 'Examples'}:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

export function newProgram(): Command {
  return new Command()
    .name('m1')
    .description(
      'Configure, provision, deploy and operate PostgreSQL M1 clusters (primary, replicas, ' +
        'repmgr / EFM / Patroni, Barman, PgBouncer / HAProxy), agentlessly over SSH. ' +
        'Run m1 <command> --help for what a command does, its options and an example.',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
}
