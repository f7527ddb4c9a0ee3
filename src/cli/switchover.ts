import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { DEFAULT_MAX_LAG } from '../../playbooks/operate/switchover/maxLag.js';
import { examples, wrap, type RunState } from './program.js';

/** 16MB, 512kB, 1GB or plain bytes. */
export function parseBytes(text: string): number {
  const m = /^(\d+)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`--max-lag ${text}: give bytes, e.g. 16777216 or 16MB`);
  const unit = (m[2] ?? 'b').toLowerCase()[0]!;
  return Number(m[1]) * (unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1);
}

export function register(program: Command, state: RunState): void {
  program
    .command('switchover')
    .summary('make a replica the primary; replicas, PgBouncer / HAProxy and Barman follow')
    .description(
      'Make <target> (a replica of the primary) the primary: the failover manager demotes the old primary to a replica of it, the other replicas follow it, m1 repoints every PgBouncer and moves Barman to it, then verifies (exit 1 if a check fails; exit 3, nothing changed, when a precondition does not hold).',
    )
    .addHelpText('after', examples('m1 switchover clusters/m1 kaftan'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .argument('<target>', 'the replica to promote')
    .option('--max-lag <bytes>', 'refuse when the target is further behind the primary (bytes; kB, MB, GB allowed)', String(DEFAULT_MAX_LAG))
    .action(
      wrap(state, async (dir: string, target: string, opts: { maxLag: string }) => {
        const maxLagBytes = parseBytes(opts.maxLag);
        const { switchoverCluster } = await import('../../playbooks/operate/switchover/run.js');
        const { renderChecks } = await import('../../playbooks/operate/table.js');
        const write = (s: string) => void process.stdout.write(s);
        const out = await switchoverCluster(dir, target, { maxLagBytes, write });
        if (out.rows.length > 0) write(`\n${renderChecks(out.rows)}`);
        if (out.failure) write(`\n${out.failure}\n`);
        const t = out.timings;
        const failedRows = out.rows.filter((r) => !r.ok).length;
        write(
          `\nswitchover to ${out.plan.target}: ${out.exitCode === 0 ? 'done' : failedRows ? `${failedRows} check(s) FAILED` : 'FAILED'} in ${(t.totalMs / 1000).toFixed(1)} s` +
            `${t.writableAfterMs !== undefined ? ` (writes accepted after ${(t.writableAfterMs / 1000).toFixed(1)} s)` : ''}${out.managerLog ? `; manager output in ${out.managerLog}` : ''}\n`,
        );
        const parts = [
          `checks before ${(t.preconditionsMs / 1000).toFixed(1)} s`,
          `${out.plan ? 'manager' : ''} ${(t.managerMs / 1000).toFixed(1)} s`.trim(),
          ...(t.repointedAfterMs !== undefined ? [`PgBouncer repointed at ${(t.repointedAfterMs / 1000).toFixed(1)} s`] : []),
          `Barman ${(t.barmanMs / 1000).toFixed(1)} s`,
          `verification ${(t.verifyMs / 1000).toFixed(1)} s (${t.verifyReadings} reading${t.verifyReadings === 1 ? '' : 's'})`,
        ];
        write(`timings: ${parts.join(', ')}\n`);
        return out.exitCode;
      }),
    );
}
