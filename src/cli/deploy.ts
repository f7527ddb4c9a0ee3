import type { Command } from 'commander';
import { deployCluster } from '../deploy/deploy.js';
import { UsageError } from '../errors.js';
import { wrap, type RunState } from './program.js';

function list(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];
}

export function register(program: Command, state: RunState): void {
  program
    .command('deploy')
    .description(
      'converge every host of <cluster-dir> (provisions first): packages, Postgres, repmgr, Barman, PgBouncer,\n' +
        'in the order of the live replication topology; safe to rerun',
    )
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml)')
    .option('--check', 'report what would change; change nothing')
    .option('--diff', 'show the diff of every change')
    .option('--forks <n>', 'hosts worked on at once within a stage', '10')
    .option('--skip-packages <groups>', 'leave package groups out (postgres, repmgr, barman, pgbouncer); comma-separated', list)
    .option('-v, --verbose', 'one line per operation, not only changes')
    .action(
      wrap(state, async (dir: string, opts: { check?: boolean; diff?: boolean; forks: string; skipPackages?: string[]; verbose?: boolean }) => {
        const forks = Number(opts.forks);
        if (!Number.isInteger(forks) || forks < 1) throw new UsageError(`--forks ${opts.forks}: give a whole number of hosts, at least 1`);
        const outcome = await deployCluster(dir, {
          check: opts.check,
          diff: opts.diff,
          forks,
          skipPackages: opts.skipPackages,
          verbose: opts.verbose,
        });
        return outcome.exitCode;
      }),
    );
}
