/**
 * command: a shell command, made idempotent by guards: `creates` (a path
 * that exists once it ran), `removes` (a path that is gone once it ran),
 * `unless` (a read-only check command: exit 0 means already done) and
 * `onlyIf` (exit 0 means it should run). Secrets go in `stdin`.
 */
import { HostError } from '../../errors.js';
import { quote } from '../shell/quote.js';
import type { CommandResult } from '../connectors/types.js';
import { lastLines, stderrTail } from '../text/tail.js';
import { base, type CommonOptions, type Operation } from './types.js';

export interface CommandOptions extends CommonOptions {
  cmd: string;
  /** What progress, the log and a failure show instead of `cmd` (a long compound command). */
  display?: string;
  stdin?: string | Buffer;
  creates?: string;
  removes?: string;
  unless?: string;
  onlyIf?: string;
  /** Decides "changed" from the result (default: always changed when it ran). */
  changed?: (result: CommandResult) => boolean;
  /** What of the output the run reports with the result (shown with the task; never a secret). */
  report?: (result: CommandResult) => string | undefined;
  okCodes?: number[];
  timeoutMs?: number;
}

export function command(options: CommandOptions): Operation {
  const { cmd } = options;
  return {
    ...base('command', `command ${cmd.length > 50 ? cmd.slice(0, 47) + '...' : cmd}`, options),
    needs: () => [
      ...(options.creates ? [{ kind: 'stat' as const, path: options.creates }] : []),
      ...(options.removes ? [{ kind: 'stat' as const, path: options.removes }] : []),
    ],
    async apply(ctx) {
      if (options.creates && (await ctx.facts.stat(options.creates))) return { status: 'ok', message: `${options.creates} exists` };
      if (options.removes && !(await ctx.facts.stat(options.removes))) return { status: 'ok', message: `${options.removes} does not exist` };
      if (options.unless !== undefined && (await ctx.probe({ cmd: options.unless })).code === 0) return { status: 'ok', message: 'unless: already done' };
      if (options.onlyIf !== undefined && (await ctx.probe({ cmd: options.onlyIf })).code !== 0) return { status: 'ok', message: 'only if: not needed' };
      const result = await ctx.change({ cmd, ...(options.display !== undefined ? { display: options.display } : {}), stdin: options.stdin, okCodes: options.okCodes, timeoutMs: options.timeoutMs });
      if (!result) return { status: 'changed', message: 'check mode: not run' };
      // An arbitrary command may change anything.
      ctx.facts.invalidateAll();
      const changed = options.changed ? options.changed(result) : true;
      const message = options.report?.(result);
      return { status: changed ? 'changed' : 'ok', ...(message ? { message } : {}) };
    },
  };
}

export interface WaitUntilOptions extends CommonOptions {
  /** A read-only check: exit 0 means ready. */
  cmd: string;
  /** Give up after this long (default 60 s; at most 30 min). */
  timeoutMs?: number;
  /** Between attempts (default 500 ms). */
  intervalMs?: number;
}

/**
 * wait until: polls a check until it succeeds, bounded in time, so roles
 * never sleep. In check mode it checks once and does not wait.
 */
export function waitUntil(options: WaitUntilOptions): Operation {
  const timeoutMs = Math.min(options.timeoutMs ?? 60_000, 30 * 60_000);
  const intervalMs = Math.max(options.intervalMs ?? 500, 50);
  return {
    ...base('wait', `wait until ${options.cmd.length > 50 ? options.cmd.slice(0, 47) + '...' : options.cmd}`, options),
    needs: () => [],
    async apply(ctx) {
      const deadline = Date.now() + timeoutMs;
      let attempts = 0;
      for (;;) {
        attempts++;
        const r = await ctx.probe({ cmd: options.cmd, timeoutMs: Math.max(1000, deadline - Date.now()) });
        if (r.code === 0) return { status: 'ok', message: attempts > 1 ? `ready after ${attempts} checks` : undefined };
        if (ctx.check) return { status: 'skipped', message: 'check mode: not ready, not waiting' };
        if (Date.now() + intervalMs > deadline) {
          const tail = stderrTail(r, 2) || lastLines(r.stdout, 1);
          throw new HostError(`not ready after ${Math.round(timeoutMs / 1000)} s (${attempts} checks): \`${options.cmd}\` last exited ${r.code}${tail ? `: ${tail}` : ''}`);
        }
        await ctx.sleep(intervalMs);
      }
    },
  };
}

/** A `test -e` check for wait-until and guards. */
export function pathExists(path: string): string {
  return `test -e ${quote(path)}`;
}
