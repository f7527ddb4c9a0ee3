import type { Command } from 'commander';
import { DEPLOY_PACKAGE_GROUPS } from '../../playbooks/deploy/packageGroups.js';
import { UsageError } from '../errors.js';
import { examples, wrap, type RunState } from './program.js';

function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function register(program: Command, state: RunState): void {
  program
    .command('deploy')
    .summary('converge every host to config.yml; safe to rerun')
    .description(
      'Converge every host of <cluster-dir> (provisions first): packages, Postgres, the failover manager (repmgr, EFM, or Patroni with etcd), Barman, PgBouncer or HAProxy, in the order of the live replication topology; safe to rerun. EFM clusters need EDB_SUBSCRIPTION_TOKEN in the environment (EDB\'s repositories) unless --skip-packages efm.',
    )
    .addHelpText('after', examples('m1 deploy clusters/m1', 'm1 deploy clusters/m1 --check   (what would change)'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml)')
    .option('--check', 'report what would change; change nothing')
    .option('--diff', 'show the diff of every change')
    .option('--forks <n>', 'hosts worked on at once within a stage', '10')
    .option(
      '--skip-packages <groups>',
      `test aid: leave package groups out (${DEPLOY_PACKAGE_GROUPS.join(', ')}); comma-separated. ` +
        'efm also skips EDB\'s repository, efm encrypt and starting EFM, and needs no token',
      list,
    )
    .option('-v, --verbose', 'one line per operation, not only changes')
    .action(
      wrap(state, async (dir: string, opts: { check?: boolean; diff?: boolean; forks: string; skipPackages?: string[]; verbose?: boolean }) => {
        const forks = Number(opts.forks);
        if (!Number.isInteger(forks) || forks < 1) throw new UsageError(`--forks ${opts.forks}: give a whole number of hosts, at least 1`);
        const { deployCluster } = await import('../../playbooks/deploy/deploy.js');
        const outcome = await deployCluster(dir, {
          check: opts.check,
          diff: opts.diff,
          forks,
          skipPackages: opts.skipPackages,
          verbose: opts.verbose,
          write: (text) => void process.stdout.write(text),
          tty: Boolean(process.stdout.isTTY),
        });
        return outcome.exitCode;
      }),
    );
}
