import type { Command } from 'commander';
import { RefusedError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { confirmOnTerminal } from './confirm.js';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('deprovision')
    .summary('remove what provision made (containers, AWS resources, the inventory)')
    .description(
      'Remove what provision made for <cluster-dir> (docker: the cluster\'s containers and network; aws: only what carries the cluster\'s tag; bare: forget the inventory); asks first unless --yes. Keys stay in the directory. Refused (exit 3) while another m1 run (deploy...) holds the cluster lock.',
    )
    .addHelpText('after', examples('m1 deprovision clusters/m1 --yes'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml)')
    .option('-y, --yes', 'remove without asking')
    .action(
      wrap(state, async (dir: string, opts: { yes?: boolean }) => {
        const { deprovisionClusterDir } = await import('../platforms/index.js');
        const out = (line: string) => process.stdout.write(`${line}\n`);
        const warning = (w: string) => process.stderr.write(`m1: warning: ${w}\n`);
        const confirm = async (items: string[], cluster: string) => {
          if (opts.yes) return true;
          const what = items.join(', ');
          if (!process.stdin.isTTY || !process.stdout.isTTY) {
            throw new RefusedError(`deprovision ${cluster} would remove ${what}: rerun with --yes to confirm (no terminal to ask on)`);
          }
          return confirmOnTerminal(`Remove ${what} of cluster ${cluster}? [y/N] `, process.stdout);
        };
        const r = await deprovisionClusterDir(dir, { progress: out, confirm, warning });
        if (r.status === 'nothing') {
          out(`deprovision ${r.cluster}: nothing to remove`);
          return ExitCode.Ok;
        }
        if (r.status === 'declined') throw new RefusedError(`deprovision ${r.cluster}: not confirmed; nothing removed`);
        out(`deprovision ${r.cluster}: ${r.result.removed.length} removed in ${(r.result.durationMs / 1000).toFixed(1)} s`);
        return ExitCode.Ok;
      }),
    );
}
