import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { loadCluster } from '../config/load.js';
import { RefusedError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { deprovisionCluster } from '../platforms/index.js';
import { wrap, type RunState } from './program.js';

async function confirmOnTerminal(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

export function register(program: Command, state: RunState): void {
  program
    .command('deprovision')
    .description(
      "remove what provision made for <cluster-dir> (docker: the cluster's containers and network;\n" +
        'bare: forget the inventory); asks first unless --yes. Keys stay in the directory.\n' +
        'Refused (exit 3) while another m1 run (deploy...) holds the cluster lock',
    )
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml)')
    .option('-y, --yes', 'remove without asking')
    .action(
      wrap(state, async (dir: string, opts: { yes?: boolean }) => {
        const { cluster, warnings } = await loadCluster(dir);
        for (const w of warnings) process.stderr.write(`m1: warning: ${w}\n`);
        const out = (line: string) => process.stdout.write(`${line}\n`);
        const confirm = async (items: string[]) => {
          if (opts.yes) return true;
          const what = items.join(', ');
          if (!process.stdin.isTTY || !process.stdout.isTTY) {
            throw new RefusedError(`deprovision ${cluster.name} would remove ${what}: rerun with --yes to confirm (no terminal to ask on)`);
          }
          return confirmOnTerminal(`Remove ${what} of cluster ${cluster.name}? [y/N] `);
        };
        const r = await deprovisionCluster(cluster, { progress: out, confirm });
        if (r.status === 'nothing') {
          out(`deprovision ${cluster.name}: nothing to remove`);
          return ExitCode.Ok;
        }
        if (r.status === 'declined') throw new RefusedError(`deprovision ${cluster.name}: not confirmed; nothing removed`);
        out(`deprovision ${cluster.name}: ${r.result.removed.length} removed in ${(r.result.durationMs / 1000).toFixed(1)} s`);
        return ExitCode.Ok;
      }),
    );
}
