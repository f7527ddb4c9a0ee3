import type { Command } from 'commander';
import { wrap, type RunState } from './program.js';

const RESUME_HELP = `
Resumes automatic failover on every member (after m1 pause), then reads each
member back until it says it is no longer paused: repmgr service unpause;
Patroni PATCH /config {"pause": false}. Already active: nothing is run (exit 0).

Refused (exit 3, nothing changed) unless exactly one data node runs as primary:
the manager would fail over the moment it is resumed. Start the primary first,
or pass --force to resume anyway and let it fail over.

Exit status: 0 active everywhere; 1 a member could not be resumed or did not
say so (named); 2 no pause for this failover manager (EFM), or bad flags; 3
refused (no single primary), or another m1 run holds the cluster lock.

Example:
  m1 resume clusters/m1
`;

export function register(program: Command, state: RunState): void {
  program
    .command('resume')
    .description('resume automatic failover after m1 pause')
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .option('--force', 'resume even when no single primary runs (the manager fails over at once)')
    .addHelpText('after', RESUME_HELP)
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
