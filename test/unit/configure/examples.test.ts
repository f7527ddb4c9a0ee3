/**
 * Reference 2.8: for each example TPA produced, `m1 configure` with the same
 * options gives the same instances in the same order, with the same roles,
 * locations, upstreams, backup, witness, vars and address offsets (names differ).
 * The TPA outputs are the fixtures in inventories/tpa/.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { layoutOf, normalise, readDoc, runCli, tempDir } from './helpers.js';

const tpa = (name: string) => readDoc(join(packageRoot, 'inventories', 'tpa', name, 'config.yml'));

async function configure(name: string, args: string[]) {
  const dir = join(await tempDir(), name);
  const r = await runCli(['configure', dir, '-a', 'M1', ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return readDoc(join(dir, 'config.yml'));
}

const DOCKER_EXAMPLES: [string, string, string[]][] = [
  ['A: default repmgr on docker', 'repmgr1', ['--platform', 'docker', '--postgresql', '16', '--failover-manager', 'repmgr', '--no-git', '--keyring-backend', 'legacy']],
  ['A with efm', 'efm1', ['--platform', 'docker', '--postgresql', '16', '--failover-manager', 'efm', '--no-git', '--keyring-backend', 'legacy']],
  ['B: patroni + haproxy', 'patroni1', ['--platform', 'docker', '--postgresql', '16', '--failover-manager', 'patroni', '--enable-haproxy', '--hostnames-unsorted', '--no-shuffle-subnets', '--no-git', '--keyring-backend', 'legacy']],
  ['B with pgbouncer instead of haproxy', 'patroni2', ['--platform', 'docker', '--postgresql', '16', '--enable-patroni', '--enable-pgbouncer', '--hostnames-unsorted', '--no-shuffle-subnets', '--no-git', '--keyring-backend', 'legacy']],
  ['C: repmgr, 3 locations, witness-only, pgbouncer', 'repmgr3', ['--platform', 'docker', '--postgresql', '16', '--failover-manager', 'repmgr', '--location-names', 'dc1', 'dc2', 'dc3', '--witness-only-location', 'dc3', '--data-nodes-per-location', '3', '--enable-pgbouncer', '--no-shuffle-subnets', '--keyring-backend', 'legacy']],
  ['D: primary in dc2, single-node dc3', 'repmgr4', ['--platform', 'docker', '--postgresql', '16', '--failover-manager', 'repmgr', '--location-names', 'dc1', 'dc2', 'dc3', '--primary-location', 'dc2', '--single-node-location', 'dc3', '--no-shuffle-subnets', '--keyring-backend', 'legacy']],
];

describe('m1 configure reproduces TPA 2.8 examples', () => {
  for (const [title, name, args] of DOCKER_EXAMPLES) {
    it(title, async () => {
      const [ours, theirs] = await Promise.all([configure(name, args), tpa(name)]);
      expect(layoutOf(ours)).toEqual(layoutOf(theirs));
      expect(normalise(ours).instances).toEqual(normalise(theirs).instances);
      expect(ours.cluster_vars).toEqual(theirs.cluster_vars);
      expect(ours.locations).toEqual(theirs.locations);
      expect(ours.keyring_backend).toBe(theirs.keyring_backend);
      const { image, ...defaults } = ours.instance_defaults;
      const { image: _theirImage, ...theirDefaults } = theirs.instance_defaults;
      expect(image).toBe('m1/debian:bookworm');
      expect(defaults).toEqual(theirDefaults);
      const [ourNet, theirNet] = [ours.docker_networks![0]!, theirs.docker_networks![0]!];
      expect(ourNet.name).toBe(theirNet.name);
      // Same size; with --no-shuffle-subnets the very same subnet.
      expect(ourNet.ipam_config[0]!.subnet.split('/')[1]).toBe(theirNet.ipam_config[0]!.subnet.split('/')[1]);
      if (args.includes('--no-shuffle-subnets')) expect(ourNet.ipam_config[0]!.subnet).toBe(theirNet.ipam_config[0]!.subnet);
    });
  }

  it('A: the layout spelled out (primary + backup, replica, barman witness)', async () => {
    const doc = await configure('repmgr1', DOCKER_EXAMPLES[0]![2]);
    expect(layoutOf(doc)).toEqual(['1 main primary backup:3', '2 main replica <-1', '3 main barman+log-server+witness <-1']);
  });

  it('C and D: cascading in other locations, witness rule, special locations last', async () => {
    const c = await configure('repmgr3', DOCKER_EXAMPLES[4]![2]);
    expect(layoutOf(c)).toEqual([
      '1 dc1 primary+pgbouncer backup:4',
      '2 dc1 replica+pgbouncer <-1',
      '3 dc1 replica+pgbouncer <-1',
      '4 dc1 barman+log-server+witness <-1',
      '5 dc2 replica+pgbouncer <-1',
      '6 dc2 replica+pgbouncer <-5',
      '7 dc2 replica+pgbouncer <-5',
      '8 dc3 witness <-1',
    ]);
    const d = await configure('repmgr4', DOCKER_EXAMPLES[5]![2]);
    expect(layoutOf(d)).toEqual([
      '1 dc2 primary backup:3',
      '2 dc2 replica <-1',
      '3 dc2 barman+log-server',
      '4 dc1 replica <-1',
      '5 dc1 replica <-4',
      '6 dc3 replica <-1',
    ]);
    expect(d.locations.map((l) => l.Name)).toEqual(['dc1', 'dc2', 'dc3']);
  });

  it('E: aws, with instance type, region and volume sizes', async () => {
    const ours = await configure('speedy', [
      '--distribution', 'Debian', '--platform', 'aws', '--region', 'us-east-1', '--network', '10.33.0.0/16',
      '--instance-type', 't2.medium', '--root-volume-size', '32', '--postgres-volume-size', '64',
      '--barman-volume-size', '128', '--postgresql', '14', '--failover-manager', 'repmgr', '--ssh-from', '203.0.113.7',
    ]);
    const theirs = await tpa('speedy');
    expect(normalise(ours).instances).toEqual(normalise(theirs).instances);
    expect(ours.instance_defaults).toEqual(theirs.instance_defaults);
    expect(ours.cluster_vars).toEqual(theirs.cluster_vars);
    expect(ours.ec2_vpc).toEqual(theirs.ec2_vpc);
    // TPA opens SSH to 0.0.0.0/0; m1 to the address given (else this machine's own).
    expect((ours.cluster_rules as unknown[])[0]).toEqual({ ...((theirs.cluster_rules as Record<string, unknown>[])[0]), cidr_ip: '203.0.113.7/32' });
    expect((theirs.cluster_rules as Record<string, unknown>[])[0]!['cidr_ip']).toBe('0.0.0.0/0');
    const strip = (l: Record<string, unknown>) => ({ ...l, subnet: undefined });
    expect(ours.locations.map(strip)).toEqual(theirs.locations.map(strip));
    expect(ours.locations[0]!.subnet).toMatch(/^10\.33\.\d+\.\d+\/28$/);
  });
});

describe('reference 2.9: default layouts per failover manager (one location, two data nodes)', () => {
  const cases: [string, string[]][] = [
    ['repmgr', ['1 main primary backup:3', '2 main replica <-1', '3 main barman+log-server+witness <-1']],
    ['efm', ['1 main primary backup:3', '2 main replica <-1', '3 main barman+log-server+witness <-1']],
    ['patroni', ['1 main primary backup:3', '2 main replica <-1', '3 main barman+log-server', '4 main etcd', '5 main etcd', '6 main etcd']],
  ];
  for (const [fm, expected] of cases) {
    it(fm, async () => {
      const doc = await configure(`default-${fm}`, ['--postgresql', '15', '--failover-manager', fm, '--platform', 'bare']);
      expect(layoutOf(doc)).toEqual(expected);
    });
  }

  it('the witness rule: D=3 in one location, three active locations, single-node location: no witness', async () => {
    const noWitness = [
      ['--data-nodes-per-location', '3'],
      ['--location-names', 'a', 'b', 'c'],
      ['--location-names', 'a', 'b', '--single-node-location', 'b'],
    ];
    for (const extra of noWitness) {
      const doc = await configure('w', ['--postgresql', '15', '--failover-manager', 'repmgr', '--platform', 'bare', ...extra]);
      const barman = doc.instances.find((i) => i.role.includes('barman'))!;
      expect(barman.role, extra.join(' ')).toEqual(['barman', 'log-server']);
      expect(barman.upstream).toBeUndefined();
    }
    const two = await configure('w2', ['--postgresql', '15', '--failover-manager', 'efm', '--platform', 'bare', '--location-names', 'a', 'b', '--data-nodes-per-location', '3']);
    expect(two.instances.find((i) => i.role.includes('barman'))!.role).toContain('witness');
    const four = await configure('w4', ['--postgresql', '15', '--failover-manager', 'repmgr', '--platform', 'bare', '--data-nodes-per-location', '4']);
    expect(four.instances.find((i) => i.role.includes('barman'))!.role).toContain('witness');
  });
});
