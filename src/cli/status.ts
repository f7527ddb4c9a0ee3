import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { wrap, type RunState } from './program.js';

/** Default of `--timeout`: what a DBA waits for a status on a bad day. */
export const STATUS_TIMEOUT_S = 3;

/** `--timeout`'s value: seconds, 1 to 3600 (below a second the process itself has barely started). */
export function parseTimeout(text: string): number {
  const s = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || s < 1 || s > 3600) throw new UsageError(`--timeout ${text}: give seconds from 1 to 3600, e.g. 3`);
  return s;
}

export function register(program: Command, state: RunState): void {
  program
    .command('status')
    .description(
      "the live cluster: who is primary, who streams from whom and how far behind, the failover manager's view,\n" +
        'where each PgBouncer / HAProxy sends writes, Barman; exit 0 healthy, 1 degraded.\n' +
        'It answers within --timeout: a host (or a step waiting on another host) that has not answered by then\n' +
        'is reported as not read, and the cluster as degraded.',
    )
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .option('--json', 'print the status as JSON')
    .option('--timeout <seconds>', 'answer within this many seconds of starting, saying what was not read', String(STATUS_TIMEOUT_S))
    .action(
      wrap(state, async (dir: string, opts: { json?: boolean; timeout: string }) => {
        const withinS = parseTimeout(opts.timeout);
        const { clusterStatus } = await import('../../playbooks/operate/status.js');
        const { deadlineIn } = await import('../../playbooks/operate/deadline.js');
        const { formatStatus } = await import('../../playbooks/operate/formatStatus.js');
        // Counted from the command's start (the process start for bin/m1.js): loading m1 is part of what the user waits for.
        const snap = await clusterStatus(dir, { deadline: deadlineIn(withinS, state.startedAt) });
        if (opts.json) process.stdout.write(JSON.stringify({ ...snap.status, gatheredMs: snap.gatheredMs }, null, 2) + '\n');
        else {
          for (const w of snap.configWarnings) process.stdout.write(`warning: ${w}\n`);
          process.stdout.write(formatStatus(snap.status));
          process.stdout.write(`(read in ${(snap.gatheredMs / 1000).toFixed(1)} s)\n`);
        }
        return snap.status.healthy ? ExitCode.Ok : ExitCode.Failed;
      }),
    );
}
