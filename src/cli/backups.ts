import type { Command } from 'commander';
import { ExitCode } from '../exitCodes.js';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('backups')
    .summary("list the cluster's Barman backups and its recovery window")
    .description(
      "List each Barman server's backups as Barman sees them (barman list-backups), newest first: id, begin and end time (UTC), size, " +
        'WAL kept after it, status (DONE, FAILED, WAITING_FOR_WALS...) and Barman\'s retention verdict (VALID, OBSOLETE...); then the ' +
        'recovery window: from the end of the oldest DONE backup to the last WAL segment Barman archived. Reads only; no lock.\n\n' +
        'Exit 0: listed. 1: the Barman host does not answer or Barman fails (named). 2: bad flags or config, or a cluster without Barman.',
    )
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .option('--json', 'print the servers, their backups and recovery windows as JSON')
    .addHelpText('after', examples('m1 backups clusters/m1', 'm1 backups clusters/m1 --json'))
    .action(
      wrap(state, async (dir: string, opts: { json?: boolean }) => {
        const { listBackups } = await import('../../playbooks/operate/backup/run.js');
        const { formatBackups } = await import('../../playbooks/operate/backup/format.js');
        const list = await listBackups(dir);
        process.stdout.write(opts.json ? JSON.stringify(list, null, 2) + '\n' : formatBackups(list));
        return ExitCode.Ok;
      }),
    );
}
