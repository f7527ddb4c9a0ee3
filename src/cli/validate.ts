import type { Command } from 'commander';
import { ConfigError, formatProblem } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('validate')
    .description("check <cluster-dir>/config.yml and print the cluster's topology")
    .argument('<cluster-dir>', 'the cluster directory')
    .action(
      wrap(state, async (dir: string) => {
        const { loadCluster } = await import('../config/load.js');
        const { renderTopologyTree } = await import('../inventory/topology.js');
        try {
          const { cluster, warnings } = await loadCluster(dir);
          for (const w of warnings) process.stderr.write(`m1: warning: ${w}\n`);
          process.stdout.write(`${renderTopologyTree(cluster)}\n`);
          return ExitCode.Ok;
        } catch (err) {
          if (!(err instanceof ConfigError)) throw err;
          for (const p of err.problems) process.stderr.write(`${formatProblem(p)}\n`);
          const n = err.problems.length;
          process.stderr.write(`m1: ${n} problem${n === 1 ? '' : 's'} in the config; nothing was changed\n`);
          return ExitCode.BadInput;
        }
      }),
    );
}
