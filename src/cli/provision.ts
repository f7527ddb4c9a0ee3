import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('provision')
    .summary("make the cluster's hosts exist and answer over SSH")
    .description(
      'Make the hosts of <cluster-dir> exist and answer over SSH (docker: image, network, containers; bare: check SSH and record host keys; aws: VPC, subnets, security group, key pair and instances through the AWS SDK, credentials from its usual chain); writes the keys, known_hosts and inventory.json. Refused (exit 3) while another m1 run (deploy...) holds the cluster lock.',
    )
    .addHelpText('after', examples('m1 provision clusters/m1'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml)')
    .option('--ready-timeout <seconds>', 'how long each host may take to answer over SSH (aws: to start and answer)', '120')
    .action(
      wrap(state, async (dir: string, opts: { readyTimeout: string }) => {
        const seconds = Number(opts.readyTimeout);
        if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--ready-timeout ${opts.readyTimeout}: give a number of seconds`);
        const { provisionClusterDir } = await import('../platforms/index.js');
        const out = (line: string) => process.stdout.write(`${line}\n`);
        const warning = (w: string) => process.stderr.write(`m1: warning: ${w}\n`);
        const r = await provisionClusterDir(dir, { progress: out, readyTimeoutMs: seconds * 1000, warning });
        const n = r.hosts.length;
        out(`provision ${r.cluster} (${r.platform}): ${n} host${n === 1 ? '' : 's'} ready, ${r.changed.length} changed in ${(r.durationMs / 1000).toFixed(1)} s`);
        return ExitCode.Ok;
      }),
    );
}
