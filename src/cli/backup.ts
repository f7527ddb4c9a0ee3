import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('backup')
    .summary("take a base backup now through the cluster's Barman")
    .description(
      "Take a base backup now on each Barman server of the cluster (the one named after the cluster backs up whichever node is primary), " +
        'wait until the WAL it needs is archived (status DONE), run barman check again, and print the backup id, its size, the time it took ' +
        'and the recovery window. Retention is Barman\'s: barman_retention_policy, barman_minimum_redundancy and barman_last_backup_maximum_age ' +
        '(m1 validate --vars), applied by barman cron every minute.\n\n' +
        'Exit 0: done and barman check OK. 1: the backup or the check after it failed on the Barman host (the host, the step and Barman\'s error are named). ' +
        '2: bad flags or config, or a cluster without Barman. 3: refused, nothing started: the Barman host does not answer, ' +
        'no single primary runs, Barman still backs up a former primary (run m1 deploy), barman check fails on a check Barman itself ' +
        'calls critical (a missing or too old backup and earlier failed backups do not stop it), or another m1 run holds the cluster lock.',
    )
    .addHelpText('after', examples('m1 backup clusters/m1', 'm1 backups clusters/m1'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .action(
      wrap(state, async (dir: string) => {
        const { takeBackup } = await import('../../playbooks/operate/backup/run.js');
        const { formatTaken } = await import('../../playbooks/operate/backup/format.js');
        const write = (s: string) => void process.stdout.write(s);
        const out = await takeBackup(dir, { write });
        for (const b of out.backups) write(formatTaken(b));
        for (const p of out.problems) process.stderr.write(`m1: ${p}\n`);
        return out.exitCode;
      }),
    );
}
