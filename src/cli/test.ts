import type { Command } from 'commander';
import { wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('test')
    .description(
      'check a deployed cluster end to end: one primary; a write on it is read on every replica; every PgBouncer / HAProxy\n' +
        'reaches the primary; barman check passes; the failover manager sees every node (exit 1 naming the failed checks)',
    )
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .action(
      wrap(state, async (dir: string) => {
        const { testCluster } = await import('../../playbooks/operate/check/run.js');
        const { renderChecks } = await import('../../playbooks/operate/table.js');
        const out = await testCluster(dir);
        process.stdout.write(renderChecks(out.rows));
        const failed = out.rows.filter((r) => !r.ok);
        process.stdout.write(
          failed.length === 0
            ? `\nall ${out.rows.length} checks passed (${(out.durationMs / 1000).toFixed(1)} s)\n`
            : `\n${failed.length} of ${out.rows.length} checks FAILED: ${failed.map((r) => r.check).join('; ')}\n`,
        );
        return out.exitCode;
      }),
    );
}
