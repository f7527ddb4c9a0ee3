import type { Command } from 'commander';
import { wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('rotate-password')
    .description(
      'give <user> a new generated password everywhere it is used: stored in <cluster-dir>/secrets, then\n' +
        'deployed (ALTER ROLE on the primary, .pgpass files, PgBouncer, Patroni); refuses an unhealthy cluster (exit 3).\n' +
        'Prints neither password: m1 show-password prints the new one',
    )
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml)')
    .argument('<user>', 'a user with a stored password: app, postgres, repmgr, barman, replication...')
    .option('-v, --verbose', 'one line per operation, not only changes')
    .action(
      wrap(state, async (dir: string, user: string, opts: { verbose?: boolean }) => {
        const { rotatePassword } = await import('../../playbooks/operate/rotatePassword.js');
        const outcome = await rotatePassword(dir, user, {
          verbose: opts.verbose,
          write: (text) => void process.stdout.write(text),
          tty: Boolean(process.stdout.isTTY),
        });
        return outcome.exitCode;
      }),
    );
}
