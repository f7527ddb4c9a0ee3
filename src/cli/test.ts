import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';
import { reportUnexpected } from './status.js';

export function register(program: Command, state: RunState): void {
  program
    .command('test')
    .summary('check cluster(s) end to end: writes, replicas, entry points, Barman')
    .description(
      'Check a deployed cluster end to end: one primary; a write on it is read on every replica; every PgBouncer / HAProxy ' +
        'reaches the primary; barman check passes; the failover manager sees every node (exit 1 naming the failed checks).\n\n' +
        'With several cluster directories, all are tested at once: one line per cluster, then the checks of each that failed; ' +
        'exit 1 when any failed (2 when a directory cannot be read).',
    )
    .argument('<cluster-dir...>', 'the cluster directory (holds config.yml and inventory.json); several to test them all')
    .addHelpText('after', examples('m1 test clusters/m1', 'm1 test clusters/*'))
    .action(
      wrap(state, async (dirs: string[]) => {
        const { testCluster } = await import('../../playbooks/operate/check/run.js');
        const { renderChecks } = await import('../../playbooks/operate/table.js');
        const verdict = (rows: { ok: boolean; check: string }[], durationMs: number): string => {
          const failed = rows.filter((r) => !r.ok);
          return failed.length === 0
            ? `\nall ${rows.length} checks passed (${(durationMs / 1000).toFixed(1)} s)\n`
            : `\n${failed.length} of ${rows.length} checks FAILED: ${failed.map((r) => r.check).join('; ')}\n`;
        };
        if (dirs.length === 1) {
          const out = await testCluster(dirs[0]!);
          process.stdout.write(renderChecks(out.rows) + verdict(out.rows, out.durationMs));
          return out.exitCode;
        }
        const { eachCluster, testSummary, worstExit } = await import('../../playbooks/operate/manyClusters.js');
        const outcomes = await eachCluster(dirs, (dir) => testCluster(dir));
        for (const o of outcomes) if ('error' in o) reportUnexpected(o.dir, o.error);
        process.stdout.write(
          testSummary(
            outcomes.map((o) =>
              'error' in o
                ? o
                : { dir: o.dir, value: { cluster: o.value.cluster, passed: o.value.rows.filter((r) => r.ok).length, failed: o.value.rows.filter((r) => !r.ok).map((r) => r.check), durationMs: o.value.durationMs } },
            ),
          ),
        );
        for (const o of outcomes) {
          if ('error' in o) process.stdout.write(`\n${o.dir}: ${o.error.message}\n`);
          else if (o.value.exitCode !== 0) process.stdout.write(`\n${o.value.cluster}:\n${renderChecks(o.value.rows)}${verdict(o.value.rows, o.value.durationMs)}`);
        }
        return worstExit(outcomes, (r) => r.exitCode);
      }),
    );
}
