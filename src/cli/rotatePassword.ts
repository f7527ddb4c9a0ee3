import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('rotate-password')
    .summary('give a user a new password everywhere it is used')
    .description(
      'Give <user> a new generated password everywhere it is used: stored in <cluster-dir>/secrets, then deployed (ALTER ROLE on the primary, .pgpass files, PgBouncer, Patroni); refuses an unhealthy cluster (exit 3). Prints neither password: m1 show-password prints the new one.',
    )
    .addHelpText('after', examples('m1 rotate-password clusters/m1 app'))
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
