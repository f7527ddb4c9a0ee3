import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('pause')
    .summary('pause automatic failover on every member (maintenance)')
    .description(
      'Pause automatic failover on every member through the failover manager, then read each member back until it says it is paused: ' +
        "repmgr: repmgr service pause (each node's repmgrd, the witness's too; the state survives a restart of that node's Postgres); " +
        'Patroni: PATCH /config {"pause": true} (maintenance mode: no promotion, no restart of a stopped Postgres); ' +
        'EFM: refused (exit 2), EFM has no pause that takes effect at once, the message says what to do instead. ' +
        'While paused a failed primary is NOT replaced: m1 status says so on every run (a warning, not degraded), and m1 deploy and m1 switchover keep the pause. ' +
        'Already paused: nothing is run (exit 0). Exit 1: a member could not be paused or did not say so (named); 3: another m1 run holds the cluster lock.',
    )
    .addHelpText('after', examples('m1 pause clusters/m1', 'm1 status clusters/m1    # automatic failover PAUSED', 'm1 resume clusters/m1'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .action(
      wrap(state, async (dir: string) => {
        const { pauseFailover } = await import('../../playbooks/operate/pause.js');
        const write = (s: string) => void process.stdout.write(s);
        const out = await pauseFailover(dir, { write });
        for (const p of out.problems) write(`problem: ${p}\n`);
        if (out.exitCode === 0 && out.changed) write(`automatic failover paused; \`m1 resume ${dir}\` turns it back on\n`);
        return out.exitCode;
      }),
    );
}
