import { Option, type Command } from 'commander';
import type { RawConfigureOptions } from '../architectures/options.js';
import { ExitCode } from '../exitCodes.js';
import { examples, wrap, type RunState } from './program.js';

const HELP_AFTER = `
Layout (TPA's M1): in each location, --data-nodes-per-location nodes; the first
node of the primary location is the primary, the others stream from it; in
other locations the first node streams from the primary and the rest cascade
from it. One Barman node in the primary location backs the primary up; it is
also a witness when the repmgr/EFM voters would otherwise be even (TPA's rule).
Patroni adds 3 etcd nodes, --enable-haproxy 2 HAProxy nodes.

--num-cascaded-replicas N (TPA accepts and ignores it; m1 honours it): N more
replicas streaming from the first replica of the primary location, placed in
the second location when there is one, else in the primary location. With N
> 0 the Barman node becomes a witness exactly when needed to keep the repmgr/EFM
voters odd. Without it (or with 0) the layout is TPA's.

Accepted for TPA compatibility: --no-git (m1 never runs git), --keyring-backend,
--hostnames-unsorted (names are always in list/file order); --no-shuffle-subnets
takes the first subnet of --network instead of one derived from the cluster name.

Example:
  m1 configure clusters/m1 --architecture M1 --postgresql 16 \\
     --failover-manager repmgr --platform docker
`;

export function register(program: Command, state: RunState): void {
  program
    .command('configure')
    .summary('write config.yml for a new M1 cluster')
    .description(
      'Create <cluster-dir>/config.yml for a new M1 cluster (run with --architecture M1 --help for every option).',
    )
    .addHelpText('after', examples('m1 configure clusters/m1 --architecture M1 --platform docker --failover-manager repmgr --postgresql 15 --enable-pgbouncer', 'm1 configure --architecture M1 --help   (every option)'))
    .argument('<cluster-dir>', 'the cluster directory to create; its name is the cluster name')
    .option('-a, --architecture <name>', 'the architecture: M1 (required)')
    .option('--postgresql [version]', 'PostgreSQL, version 11 to 17 (or give it with --postgres-version)')
    .option('--postgres-version <version>', 'the Postgres major version, 11 to 17')
    .addOption(new Option('--postgres-flavour <flavour>', 'postgresql (the only flavour supported yet)'))
    .addOption(new Option('--edb-postgres-extended [version]').hideHelp())
    .addOption(new Option('--pgextended [version]').hideHelp())
    .addOption(new Option('--edbpge [version]').hideHelp())
    .addOption(new Option('--edb-postgres-advanced [version]').hideHelp())
    .addOption(new Option('--epas [version]').hideHelp())
    .addOption(new Option('--redwood').hideHelp())
    .addOption(new Option('--no-redwood').hideHelp())
    .option('--failover-manager <fm>', 'repmgr, efm or patroni (required, or one of the --enable-* below)')
    .option('--enable-repmgr', 'same as --failover-manager repmgr')
    .option('--enable-efm', 'same as --failover-manager efm')
    .option('--enable-patroni', 'same as --failover-manager patroni')
    .option('--platform <platform>', 'aws, docker or bare (default: aws)')
    .option('--region <region>', 'aws region (default: eu-west-1)')
    .option('--instance-type <type>', 'aws instance type (default: t3.micro)')
    .option('--ssh-from <cidr>', "aws: the address SSH is allowed from (default: this machine's own; TPA allows 0.0.0.0/0)")
    .option('--distribution <name>', 'the OS: Debian (the only one supported now); alias --os')
    .addOption(new Option('--os <name>').hideHelp())
    .option('--os-version <version>', 'Debian 11, 12 or 13 (default: 12); docker image m1/debian:<release>')
    .option('--network <cidr>', 'network holding the cluster subnet(s) (default: 10.33.0.0/16)')
    .option('--subnet-prefix <bits>', 'subnet size (default: the smallest of /28../24 that fits)')
    .option('--no-shuffle-subnets', 'take the first subnet of --network (default: one derived from the cluster name)')
    .option('--location-names <names...>', 'location names (default: main)')
    .option('--primary-location <name>', 'location of the primary (default: the first active location)')
    .option('--data-nodes-per-location <n>', 'Postgres nodes per active location (default: 2)')
    .option('--witness-only-location <name>', 'a location holding only a witness (repmgr, efm)')
    .option('--single-node-location <name>', 'a location holding one replica of the primary')
    .option('--num-cascaded-replicas <n>', 'N more replicas cascaded from the first replica of the primary location (see below)')
    .option('--enable-pgbouncer', 'PgBouncer on every Postgres node, pointing at the primary')
    .option('--enable-haproxy', '2 HAProxy nodes in front of the Postgres nodes (patroni only)')
    .option('--patroni-dcs <dcs>', 'Patroni DCS: etcd (the only one; default)')
    .option('--patroni-package-flavour <flavour>', 'edb or community (default: community)')
    .option('--efm-bind-by-hostname', 'EFM binds to hostnames instead of IP addresses (efm only)')
    .option('--hostnames-from <file>', 'names (and optional IP addresses) to use, one "name [ip]" per line, in order')
    .option('--cluster-prefixed-hostnames', 'prefix every name with the cluster name')
    .option('--hostnames-unsorted', 'accepted for TPA compatibility (names are always in order)')
    .option('--root-volume-size <gb>', 'aws root volume size (default: 16)')
    .option('--postgres-volume-size <gb>', 'aws Postgres volume size (default: 16)')
    .option('--barman-volume-size <gb>', 'aws Barman volume size (default: 32)')
    .option('--keyring-backend <backend>', 'accepted for TPA compatibility: system or legacy')
    .option('--no-git', 'accepted for TPA compatibility (m1 never creates a git repository)')
    .addHelpText('after', HELP_AFTER)
    .action(
      wrap(state, async (dir: string, opts: RawConfigureOptions) => {
        const { configureClusterDir } = await import('../architectures/configure.js');
        const { renderTopologyTree } = await import('../inventory/topology.js');
        const result = await configureClusterDir(dir, opts);
        for (const w of result.warnings) process.stderr.write(`m1: warning: ${w}\n`);
        process.stdout.write(`Wrote ${result.file}\n\n${renderTopologyTree(result.cluster)}\n`);
        return ExitCode.Ok;
      }),
    );
}
