import type { Command } from 'commander';
import { ConfigError, UsageError, formatProblem } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('validate')
    .summary('check config.yml and print the topology; --vars lists every variable')
    .description(
      'Check <cluster-dir>/config.yml and print the cluster\'s topology; --vars: list every variable m1 reads.',
    )
    .addHelpText('after', examples('m1 validate clusters/m1', 'm1 validate --vars'))
    .argument('[cluster-dir]', 'the cluster directory')
    .option('--vars', 'list every variable with where it is read, its type, default and meaning (no cluster needed)')
    .action(
      wrap(state, async (dir: string | undefined, opts: { vars?: boolean }) => {
        if (opts.vars) {
          const { renderVariableTable } = await import('../config/varTable.js');
          process.stdout.write(renderVariableTable());
          return ExitCode.Ok;
        }
        if (dir === undefined) throw new UsageError('validate needs <cluster-dir> (or --vars for the variables reference)');
        const { loadCluster } = await import('../config/load.js');
        const { renderTopologyTree } = await import('../inventory/topology.js');
        try {
          const { cluster, warnings } = await loadCluster(dir);
          // aws: what provision would stop on, said before anything calls AWS.
          const aws = cluster.platform === 'aws' ? (await import('../platforms/aws/configCheck.js')).awsConfigCheck(cluster) : undefined;
          for (const w of [...warnings, ...(aws?.warnings ?? [])]) process.stderr.write(`m1: warning: ${w}\n`);
          if (aws?.problems.length) throw new ConfigError(aws.problems);
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
