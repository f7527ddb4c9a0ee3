import type { Command } from 'commander';
import { RefusedError, UsageError } from '../errors.js';
import { confirmOnTerminal } from './confirm.js';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('drill')
    .summary('rehearse a failure (crash, partition) and report what clients saw')
    .description(
      'Rehearse a failure on a healthy cluster: strike (crash-primary, partition-primary, crash-replica, crash-witness, crash-etcd-member, crash-barman), write and read through every entry point and sample every data node while it lasts, then heal (deploy, m1 test) and report detection, fence, promotion, entry points, lost writes and split brain. Exit 1: two writers at once, acknowledged writes lost under synchronous replication, or not healthy after; 2: the scenario does not apply to this cluster; 3: not healthy before, or not confirmed (nothing done).',
    )
    .addHelpText('after', examples('m1 drill clusters/m1 crash-primary --duration 30 --yes --json'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .argument('<scenario>', 'crash-primary | partition-primary | crash-replica | crash-witness | crash-etcd-member | crash-barman')
    .option('--duration <seconds>', 'how long the fault lasts (at least 20)', '60')
    .option('-y, --yes', 'strike without asking')
    .option('--json', 'print the report as JSON')
    .action(
      wrap(state, async (dir: string, scenarioText: string, opts: { duration: string; yes?: boolean; json?: boolean }) => {
        const { parseScenario } = await import('../../playbooks/drill/scenarios.js');
        const { checkDuration, drillCluster } = await import('../../playbooks/drill/run.js');
        const { renderDrill } = await import('../../playbooks/drill/report.js');
        const scenario = parseScenario(scenarioText);
        if (!/^\d+(\.\d+)?$/.test(opts.duration.trim())) throw new UsageError(`--duration ${opts.duration}: give seconds, e.g. 60`);
        const durationS = checkDuration(Number(opts.duration));
        const terminal = process.stdin.isTTY === true && process.stderr.isTTY === true;
        if (!opts.yes && !terminal) throw new RefusedError(`drill ${scenario} on ${dir}: rerun with --yes to confirm (no terminal to ask on); nothing done`);
        const confirm = async (what: string) => opts.yes === true || confirmOnTerminal(`Drill: ${what}? [y/N] `, process.stderr);
        const progress = (line: string) => void process.stderr.write(`${line}\n`);
        const out = await drillCluster(dir, scenario, { durationS, confirm, write: progress });
        if (opts.json) {
          // stdout stays one JSON document; what explains a failure goes to stderr.
          process.stdout.write(`${JSON.stringify(out.report, null, 2)}\n`);
          for (const n of out.notes) process.stderr.write(`note: ${n}\n`);
          if (out.failures.length) process.stderr.write(`drill FAILED: ${out.failures.join('; ')}\n`);
        } else {
          process.stdout.write(renderDrill(out.report));
          for (const n of out.notes) process.stdout.write(`note: ${n}\n`);
          process.stdout.write(out.failures.length ? `\ndrill FAILED: ${out.failures.join('; ')}\n` : '\ndrill passed\n');
        }
        return out.exitCode;
      }),
    );
}
