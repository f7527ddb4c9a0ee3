import type { Command } from 'commander';
import { ExitCode } from '../exitCodes.js';
import { wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('status')
    .description('the live cluster: who is primary, who streams from whom and how far behind, the failover manager\'s view,\nwhere each PgBouncer / HAProxy sends writes, Barman; exit 0 healthy, 1 degraded')
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .option('--json', 'print the status as JSON')
    .action(
      wrap(state, async (dir: string, opts: { json?: boolean }) => {
        const { clusterStatus } = await import('../../playbooks/operate/status.js');
        const { formatStatus } = await import('../../playbooks/operate/formatStatus.js');
        const snap = await clusterStatus(dir);
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
