import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('rejoin')
    .summary('bring a data node that is down or does not stream back as a standby')
    .description(
      'Bring <host>, a data node whose Postgres is down (a former primary kept down by the fence after a failover, or a stopped standby) or a standby that does not stream, back as a standby of the one primary that runs, ' +
        "by running deploy's rejoin for that host alone: it first prints what the rewind discards (the fork LSN, the bytes of WAL past it, the transaction ids committed there) and keeps that WAL on the host " +
        '(m1 status names the directory until it is removed), then repmgr node rejoin --force-rewind, its own configuration files kept, registered as a standby, repmgrd restarted; ' +
        "a running standby is pointed at its live upstream, and is stopped and rewound the same way only when its WAL left the primary's history (it received WAL the primary never had); " +
        'then it waits until the host streams. Nothing else is touched: Barman and PgBouncer follow on the next m1 deploy (said at the end when they are behind). ' +
        'A standby that streams already: nothing to do (exit 0). Refused (exit 3, nothing changed): the host is the primary, no single other primary runs, the host runs as a second primary ' +
        '(m1 rejoin never stops a running primary: stop it yourself, then rerun). ' +
        'Exit 2: not a data node of the cluster, or a Patroni or EFM cluster (Patroni rejoins a former leader itself; the message says what to do). Exit 1: the host is unreachable or the rejoin failed (the step is named).',
    )
    .addHelpText('after', examples('m1 rejoin clusters/m1 kaboom    # after m1 status shows kaboom down, fenced', 'm1 deploy clusters/m1          # Barman and PgBouncer follow the new primary'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .argument('<host>', 'the data node to bring back as a standby')
    .action(
      wrap(state, async (dir: string, host: string) => {
        const { rejoinHost } = await import('../../playbooks/operate/rejoin/run.js');
        const write = (s: string) => void process.stdout.write(s);
        const out = await rejoinHost(dir, host, { write, tty: Boolean(process.stdout.isTTY) });
        return out.exitCode;
      }),
    );
}
