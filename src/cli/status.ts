import type { Command } from 'commander';
import { M1Error, UsageError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { examples, wrap, type RunState } from './program.js';

/** Default of `--timeout`: what a DBA waits for a status on a bad day. */
export const STATUS_TIMEOUT_S = 3;

/** `--timeout`'s value: seconds, 1 to 3600 (below a second the process itself has barely started). */
export function parseTimeout(text: string): number {
  const s = Number(text.trim());
  if (!/^\d+(\.\d+)?$/.test(text.trim()) || s < 1 || s > 3600) throw new UsageError(`--timeout ${text}: give seconds from 1 to 3600, e.g. 3`);
  return s;
}

/** Prints what is not m1's own message (a bug) with its stack, so that a run over many clusters still says where it broke. */
export function reportUnexpected(dir: string, err: Error): void {
  if (!(err instanceof M1Error)) process.stderr.write(`m1: ${dir}: internal error: ${err.stack ?? err.message}\n`);
}

export function register(program: Command, state: RunState): void {
  program
    .command('status')
    .summary('the live cluster(s): primary, lag, manager, entry points, Barman')
    .description(
      "The live cluster: who is primary, who streams from whom and how far behind, the failover manager's view, " +
        'where each PgBouncer / HAProxy sends writes, Barman; exit 0 healthy, 1 degraded. ' +
        'It answers within --timeout: a host (or a step waiting on another host) that has not answered by then ' +
        'is reported as not read, and the cluster as degraded.\n\n' +
        'With several cluster directories, all are read at once: one line per cluster (primary, health, largest lag, ' +
        'last backup), then the full status of each degraded one; --json prints an array; exit 1 when any is degraded ' +
        '(2 when a directory cannot be read).',
    )
    .argument('<cluster-dir...>', 'the cluster directory (holds config.yml and inventory.json); several for an overview')
    .option('--json', 'print the status as JSON (an array with several cluster directories)')
    .option('--timeout <seconds>', 'answer within this many seconds of starting, saying what was not read', String(STATUS_TIMEOUT_S))
    .addHelpText('after', examples('m1 status clusters/m1', 'm1 status clusters/* --timeout 5'))
    .action(
      wrap(state, async (dirs: string[], opts: { json?: boolean; timeout: string }) => {
        const withinS = parseTimeout(opts.timeout);
        const { clusterStatus } = await import('../../playbooks/operate/status.js');
        const { deadlineIn } = await import('../../playbooks/operate/deadline.js');
        const { formatStatus } = await import('../../playbooks/operate/formatStatus.js');
        // Counted from the command's start (the process start for bin/m1.js): loading m1 is part of what the user waits for.
        const deadline = deadlineIn(withinS, state.startedAt);
        if (dirs.length === 1) {
          const snap = await clusterStatus(dirs[0]!, { deadline });
          if (opts.json) process.stdout.write(JSON.stringify({ ...snap.status, gatheredMs: snap.gatheredMs }, null, 2) + '\n');
          else {
            for (const w of snap.configWarnings) process.stdout.write(`warning: ${w}\n`);
            process.stdout.write(formatStatus(snap.status));
            process.stdout.write(`(read in ${(snap.gatheredMs / 1000).toFixed(1)} s)\n`);
          }
          return snap.status.healthy ? ExitCode.Ok : ExitCode.Failed;
        }
        const { eachCluster, statusSummary, worstExit } = await import('../../playbooks/operate/manyClusters.js');
        const t0 = performance.now();
        const outcomes = await eachCluster(dirs, (dir) => clusterStatus(dir, { deadline }));
        for (const o of outcomes) if ('error' in o) reportUnexpected(o.dir, o.error);
        if (opts.json) {
          const json = outcomes.map((o) => ('error' in o ? { dir: o.dir, error: o.error.message } : { dir: o.dir, ...o.value.status, gatheredMs: o.value.gatheredMs }));
          process.stdout.write(JSON.stringify(json, null, 2) + '\n');
        } else {
          process.stdout.write(statusSummary(outcomes.map((o) => ('error' in o ? o : { dir: o.dir, value: o.value.status }))));
          for (const o of outcomes) {
            if ('error' in o) process.stdout.write(`\n${o.dir}: ${o.error.message}\n`);
            else if (!o.value.status.healthy) {
              process.stdout.write(`\n${o.value.configWarnings.map((w) => `warning: ${w}\n`).join('')}${formatStatus(o.value.status)}`);
            }
          }
          process.stdout.write(`(${outcomes.length} clusters read in ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
        }
        return worstExit(outcomes, (r) => (r.status.healthy ? ExitCode.Ok : ExitCode.Failed));
      }),
    );
}
