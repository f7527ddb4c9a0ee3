import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('upgrade')
    .summary('rolling minor upgrade of PostgreSQL (the cluster\'s other packages with it)')
    .description(
      'Upgrade every host to the PostgreSQL minor version config.yml names (postgres_package_version, e.g. 15.20-0+deb12u1; unset: the newest the hosts\' apt sources offer), one host at a time: ' +
        'the replicas first (a cascaded one after its upstream), each restarted onto the new binaries the failover manager\'s way (repmgr: the postgres unit; Patroni: its REST API\'s restart) and back to streaming and caught up before the next, then the witness and the hosts without Postgres, ' +
        'then a switchover to an upgraded replica (as m1 switchover: PgBouncer, HAProxy and Barman follow), then the old primary; with --switch-back a last switchover back. ' +
        "repmgr: automatic failover is paused while nodes restart on purpose and resumed after, also on a failure (a pause made by m1 pause stays); Patroni: not paused (a restart through Patroni never releases the leader key). The repmgr, Patroni, etcd, Barman, PgBouncer, HAProxy and client packages go to the sources' newer versions with it. " +
        "Prints each host's package and running server_version_num before and after. A host at the target is skipped: a second run changes nothing. " +
        'Exit 3 (nothing changed): the cluster is unhealthy (m1 status), the target is older than a host runs, or a host\'s sources do not offer it. ' +
        'Exit 2 (nothing touched): postgres_package_version names another major version (a major upgrade needs pg_upgrade, not m1 upgrade), or an EFM cluster (not driven yet). ' +
        'Exit 1: a step failed; it stops at that host with the cluster serving, and a rerun continues.',
    )
    .addHelpText('after', examples('m1 upgrade clusters/m1', 'm1 upgrade clusters/m1 --switch-back    # the old primary is the primary again at the end'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .option('--switch-back', 'switch over back to the old primary once it is upgraded')
    .option('--json', 'print the outcome (versions before and after, times) as JSON instead of the table')
    .action(
      wrap(state, async (dir: string, opts: { switchBack?: boolean; json?: boolean }) => {
        const { upgradeCluster } = await import('../../playbooks/operate/upgrade/run.js');
        const { formatUpgrade } = await import('../../playbooks/operate/upgrade/format.js');
        const write = (s: string) => void (opts.json ? process.stderr : process.stdout).write(s);
        const out = await upgradeCluster(dir, { switchBack: opts.switchBack === true, write });
        if (opts.json) process.stdout.write(JSON.stringify(out, null, 2) + '\n');
        else write(formatUpgrade(out));
        return out.exitCode;
      }),
    );
}
