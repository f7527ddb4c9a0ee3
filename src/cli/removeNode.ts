import type { Command } from 'commander';
import { examples, wrap, type RunState } from './program.js';

export function register(program: Command, state: RunState): void {
  program
    .command('remove-node')
    .summary('take a replica (or a witness) out of service for good')
    .description(
      'Take <instance>, a replica (a cascaded one too) or a witness, out of service: the replicas that stream from it follow its own upstream first, ' +
        'then its services are stopped and disabled (Postgres, the failover manager, PgBouncer), the failover manager forgets it on the primary (repmgr: standby unregister --node-id; Patroni: its permanent slot out of the DCS, then its member key waited out of etcd; EFM: efm disallow-node, not run against a real EFM), ' +
        'its replication slot is dropped on its upstream and on the primary, and its container is removed (docker; a bare host is left where it is, its services stopped and disabled). ' +
        'An unreachable instance is still unregistered and its slot dropped (its services could not be stopped: said). ' +
        'The removal is recorded in removed.json beside the inventory, then deploy runs on the other hosts, whose configuration named it (HAProxy\'s backends too). ' +
        'config.yml is never rewritten: provision and deploy skip the instance and warn while config.yml still lists it, printing the lines to delete. ' +
        'An instance removed before: nothing to do (exit 0). Refused (exit 3, nothing changed): the primary (switch over first: m1 switchover), the only replica left, ' +
        'the Barman host, a witness or etcd member whose loss leaves fewer than 3 voters, a cluster whose automatic failover is paused. Exit 2: not an instance of the cluster, not a replica or witness, a Patroni data node that is also an etcd member. ' +
        'Exit 1: a step failed (host, step and cause named); rerunning continues.',
    )
    .addHelpText('after', examples('m1 remove-node clusters/m1 kestrel    # a replica; its cascaded replicas follow its upstream'))
    .argument('<cluster-dir>', 'the cluster directory (holds config.yml and inventory.json)')
    .argument('<instance>', 'the replica or witness to take out')
    .action(
      wrap(state, async (dir: string, instance: string) => {
        const { removeNode } = await import('../../playbooks/operate/removeNode/run.js');
        const write = (s: string) => void process.stdout.write(s);
        const out = await removeNode(dir, instance, { write, tty: Boolean(process.stdout.isTTY) });
        return out.exitCode;
      }),
    );
}
