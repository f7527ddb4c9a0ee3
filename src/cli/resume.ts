import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('resume')
    .summary('resume automatic failover after m1 pause')
    .description(
      'Resume automatic failover on every member (after m1 pause), then read each member back until it says it is no longer paused: ' +
        'repmgr service unpause; Patroni PATCH /config {"pause": false}. Already active: nothing is run (exit 0). ' +
        'Refused (exit 3, nothing changed) unless exactly one data node runs as primary, as the manager would fail over the moment it is resumed: ' +
        'start the primary first, or pass --force and let it fail over. Exit 1: a member could not be resumed or did not say so (named); ' +
        '2: no pause for this failover manager (EFM).',
    )
    .addHelpText('after', examples('m1 resume clusters/m1'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .option('--force', 'resume even when no single primary runs (the manager fails over at once)')
    .action(
      wrap(state, async (dir: string, opts: { force?: boolean }) => {
        const { resumeFailover } = await import('../../playbooks/operate/pause.js');
        const write = (s: string) => void process.stdout.write(s);
        const out = await resumeFailover(dir, { write, force: opts.force === true });
        for (const p of out.problems) write(`problem: ${p}\n`);
        return out.exitCode;
      }),
    );
}
