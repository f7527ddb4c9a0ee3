/**
 * The configure-time errors of reference 2.4 that m1's options can reach,
 * and m1's own option errors: one line on stderr naming the option and the
 * fix, exit status 2, and nothing written (not even the directory).
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const BASE = ['-a', 'M1', '--postgresql', '16', '--failover-manager', 'repmgr'];
const PATRONI = ['-a', 'M1', '--postgresql', '16', '--failover-manager', 'patroni'];

/** [what, args after the directory, expected message]. */
const CASES: [string, string[], RegExp][] = [
  // reference 2.4, M1.validate_arguments
  ['single-node and witness-only combined', [...BASE, '--location-names', 'a', 'b', 'c', '--single-node-location', 'b', '--witness-only-location', 'c'],
    /^m1: A single-node location and a witness-only location cannot be combined; drop --single-node-location or --witness-only-location$/],
  ['unknown single-node location', [...BASE, '--location-names', 'a', 'b', '--single-node-location', 'x'],
    /^m1: --single-node-location x: Location x unknown; use one of --location-names \(a, b\)$/],
  ['unknown witness-only location', [...BASE, '--location-names', 'a', 'b', 'c', '--witness-only-location', 'cc'],
    /^m1: --witness-only-location cc: Location cc unknown; use one of --location-names \(a, b, c\)$/],
  ['unknown primary location (TPA crashes here)', [...BASE, '--location-names', 'a', 'b', '--primary-location', 'dc9'],
    /^m1: --primary-location dc9: Location dc9 unknown; use one of --location-names \(a, b\)$/],
  ['witness-only location with patroni', [...PATRONI, '--location-names', 'a', 'b', 'c', '--witness-only-location', 'c'],
    /^m1: --witness-only-location: Witness-only locations are supported only with repmgr or efm; use --failover-manager repmgr or efm/],
  ['witness-only location with one active location', [...BASE, '--location-names', 'a', 'w', '--witness-only-location', 'w'],
    /^m1: --witness-only-location w: Witness-only locations require at least two active locations; add names to --location-names/],
  ['haproxy without patroni', [...BASE, '--enable-haproxy'],
    /^m1: --enable-haproxy: HAproxy can only be enabled when used in conjunction with Patroni; use --failover-manager patroni or drop --enable-haproxy$/],
  ['patroni with two active locations', [...PATRONI, '--location-names', 'a', 'b'],
    /^m1: --location-names: Patroni with multiple locations is not supported \(2 active locations: a, b\)/],
  ['efm-bind-by-hostname with repmgr', [...BASE, '--efm-bind-by-hostname'],
    /^m1: --efm-bind-by-hostname can't be used with repmgr; it needs --failover-manager efm$/],
  ['pgbouncer with haproxy', [...PATRONI, '--enable-pgbouncer', '--enable-haproxy'],
    /^m1: --enable-pgbouncer is not allowed with --enable-haproxy; choose one of them$/],
  ['no failover manager', ['-a', 'M1', '--postgresql', '16'],
    /^m1: a failover manager is required: use --failover-manager \{repmgr,efm,patroni\}/],
  ['two failover managers', [...BASE, '--enable-efm'],
    /^m1: --enable-efm is not allowed with --failover-manager repmgr; give one failover manager$/],
  // reference 2.4, base class
  ['no flavour or version', ['-a', 'M1', '--failover-manager', 'repmgr'],
    /^m1: You must select a Postgres flavour and version, e\.g\., with --postgresql 16$/],
  ['flavour without version', ['-a', 'M1', '--postgresql', '--failover-manager', 'repmgr'],
    /^m1: You must select a Postgres version, e\.g\., with '--postgres-version 16'/],
  ['conflicting versions', [...BASE, '--postgres-version', '15'],
    /^m1: You must select a single Postgres version, '--postgresql 16' conflicts with '--postgres-version 15'$/],
  ['version out of range', ['-a', 'M1', '--postgresql', '10', '--failover-manager', 'repmgr'],
    /^m1: --postgresql 10: You must specify a version in \[11, 12, 13, 14, 15, 16, 17\]$/],
  ['--postgres-version out of range', ['-a', 'M1', '--postgres-version', '18', '--failover-manager', 'repmgr'],
    /^m1: --postgres-version 18: You must specify a version in \[11, 12, 13, 14, 15, 16, 17\]$/],
  ['--redwood without EPAS', [...BASE, '--redwood'],
    /^m1: --redwood: You can specify --redwood\/--no-redwood only when using EPAS; remove it$/],
  ['EPAS', ['-a', 'M1', '--epas', '16', '--failover-manager', 'efm', '--redwood'],
    /^m1: --epas: EDB Postgres Advanced Server is not supported yet; use --postgresql VERSION$/],
  ['PGE', ['-a', 'M1', '--edb-postgres-extended', '16', '--failover-manager', 'repmgr'],
    /^m1: --edb-postgres-extended: EDB Postgres Extended is not supported yet; use --postgresql VERSION$/],
  ['--postgres-flavour epas', ['-a', 'M1', '--postgres-flavour', 'epas', '--postgres-version', '16', '--failover-manager', 'efm'],
    /^m1: --postgres-flavour epas: EDB Postgres Advanced Server is not supported yet; use --postgres-flavour postgresql$/],
  ['--network with a host address', [...BASE, '--platform', 'docker', '--network', '10.33.0.1/16'],
    /^m1: --network 10\.33\.0\.1\/16: 10\.33\.0\.1 is a host address, not a network address; use 10\.33\.0\.0\/16$/],
  ['--network not a CIDR', [...BASE, '--network', '10.33.0.0'],
    /^m1: --network 10\.33\.0\.0: not an IPv4 network; use a CIDR such as 10\.33\.0\.0\/16$/],
  ['--network too small for the subnet prefix', [...BASE, '--platform', 'docker', '--network', '10.33.0.0/24', '--subnet-prefix', '20'],
    /^m1: --subnet-prefix 20: Network 10\.33\.0\.0\/24 cannot contain \/20 subnets; use a prefix between 24 and 30$/],
  ['docker subnet too small', [...BASE, '--platform', 'docker', '--subnet-prefix', '29', '--data-nodes-per-location', '8'],
    /^m1: The subnet '10\.33\.\d+\.\d+\/29' is too small for the specified cluster \(9 instances\); use --subnet-prefix 28 or less to specify a larger subnet$/],
  ['unsupported Debian version (image)', [...BASE, '--platform', 'docker', '--os-version', '10'],
    /^m1: --os-version 10: Debian 10 is not supported; use one of 11 \(bullseye\), 12 \(bookworm\), 13 \(trixie\)$/],
  // m1's own
  ['unknown architecture', ['-a', 'PGD-Always-ON', '--postgresql', '16', '--failover-manager', 'repmgr'],
    /^m1: --architecture PGD-Always-ON: unsupported architecture; supported: M1$/],
  ['no architecture', ['--postgresql', '16', '--failover-manager', 'repmgr'],
    /^m1: --architecture is required; use --architecture M1$/],
  ['unknown failover manager', ['-a', 'M1', '--postgresql', '16', '--failover-manager', 'pacemaker'],
    /^m1: --failover-manager pacemaker: not a valid choice; use one of repmgr, efm, patroni$/],
  ['unknown platform', [...BASE, '--platform', 'kvm'], /^m1: --platform kvm: not a valid choice; use one of aws, docker, bare$/],
  ['another distribution', [...BASE, '--distribution', 'RedHat'], /^m1: --distribution RedHat: not supported yet; m1 supports Debian \(--distribution Debian\)$/],
  ['--os alias', [...BASE, '--os', 'Ubuntu'], /^m1: --os Ubuntu: not supported yet; m1 supports Debian \(--os Debian\)$/],
  ['zero data nodes', [...BASE, '--data-nodes-per-location', '0'], /^m1: --data-nodes-per-location 0: expected a whole number of at least 1$/],
  ['negative cascaded replicas', [...BASE, '--num-cascaded-replicas', '-1'], /^m1: --num-cascaded-replicas -1: expected a whole number of at least 0$/],
  ['cascaded replicas with no replica to cascade from', [...BASE, '--num-cascaded-replicas', '1', '--data-nodes-per-location', '1'],
    /^m1: --num-cascaded-replicas 1: cascaded replicas stream from the primary location's first replica, and --data-nodes-per-location 1 gives it none; use --data-nodes-per-location 2 or more$/],
  ['duplicate location names', [...BASE, '--location-names', 'a', 'a'], /^m1: --location-names: "a" is given twice; location names must be unique$/],
  ['primary location that is the witness-only location', [...BASE, '--location-names', 'a', 'b', 'c', '--witness-only-location', 'c', '--primary-location', 'c'],
    /^m1: --primary-location c: it is also the witness-only-location; the primary needs an active location$/],
  ['patroni dcs other than etcd', [...PATRONI, '--patroni-dcs', 'consul'], /^m1: --patroni-dcs consul: not a valid choice; use one of etcd$/],
  ['bad keyring backend', [...BASE, '--keyring-backend', 'vault'], /^m1: --keyring-backend vault: not a valid choice; use one of system, legacy$/],
  ['too many names for the word list', [...BASE, '--platform', 'bare', '--data-nodes-per-location', '300'],
    /^m1: this cluster needs 301 names but the built-in list has \d+; give your own with --hostnames-from FILE$/],
];

describe('m1 configure: bad options exit 2 with one line and write nothing', () => {
  for (const [what, args, message] of CASES) {
    it(what, async () => {
      const parent = await tempDir();
      const dir = join(parent, 'deep', 'cluster');
      const r = await runCli(['configure', dir, ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr.endsWith('\n')).toBe(true);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(r.stdout).toBe('');
      expect(existsSync(join(parent, 'deep'))).toBe(false);
    });
  }
});

describe('m1 configure: hostnames file errors', () => {
  const cases: [string, string, RegExp][] = [
    ['too few names', 'alpha\nbeta\n', /^m1: --hostnames-from .*names\.txt: found only 2 of the 3 names this cluster needs; add names to the file$/],
    ['an invalid name', 'alpha\nBeta_1\ngamma\n', /^m1: --hostnames-from .*names\.txt:2: "Beta_1" has upper-case letters; use "beta_1"$/],
    ['a bad character', 'alpha\nbe_ta\ngamma\n', /^m1: --hostnames-from .*names\.txt:2: "be_ta" is not a valid hostname/],
    ['a bad address', 'alpha 10.0.0.300\nbeta\ngamma\n', /^m1: --hostnames-from .*names\.txt:1: "10\.0\.0\.300" is not an IP address$/],
    ['a duplicate', 'alpha\nbeta\nalpha\n', /^m1: --hostnames-from .*names\.txt:3: "alpha" is already on line 1; names must be unique$/],
  ];
  for (const [what, content, message] of cases) {
    it(what, async () => {
      const parent = await tempDir();
      const file = join(parent, 'names.txt');
      await writeFile(file, content);
      const r = await runCli(['configure', join(parent, 'c'), ...BASE, '--platform', 'bare', '--hostnames-from', file]);
      expect(r.code).toBe(2);
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr.trimEnd()).toMatch(message);
      expect(existsSync(join(parent, 'c'))).toBe(false);
    });
  }

  it('a missing file', async () => {
    const parent = await tempDir();
    const r = await runCli(['configure', join(parent, 'c'), ...BASE, '--hostnames-from', join(parent, 'nope.txt')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^m1: --hostnames-from .*nope\.txt: cannot read it \(ENOENT\)\n$/);
    expect(existsSync(join(parent, 'c'))).toBe(false);
  });

  it('a docker address outside the cluster subnet', async () => {
    const parent = await tempDir();
    const file = join(parent, 'names.txt');
    await writeFile(file, 'alpha 192.168.1.5\nbeta\ngamma\n');
    const r = await runCli(['configure', join(parent, 'c'), ...BASE, '--platform', 'docker', '--hostnames-from', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^m1: --hostnames-from .*: 192\.168\.1\.5 \(alpha\) is not a usable address of the cluster's subnet 10\.33\.\d+\.\d+\/28 \(gateway 10\.33\.\d+\.\d+\); fix the file, or use --no-shuffle-subnets/);
    expect(existsSync(join(parent, 'c'))).toBe(false);
  });
});

describe('m1 configure: an existing config.yml', () => {
  it('refuses with exit 2 and leaves the file alone', async () => {
    const dir = await tempDir();
    await writeFile(join(dir, 'config.yml'), 'precious: true\n');
    const r = await runCli(['configure', dir, ...BASE]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^m1: .*config\.yml already exists; m1 configure never overwrites it/);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(await readdir(dir)).toEqual(['config.yml']);
  });

  it('accepts an existing directory without config.yml', async () => {
    const dir = join(await tempDir(), 'c');
    await mkdir(dir);
    await writeFile(join(dir, 'notes.txt'), 'x');
    const r = await runCli(['configure', dir, ...BASE, '--platform', 'bare']);
    expect(r.code).toBe(0);
    expect((await readdir(dir)).sort()).toEqual(['config.yml', 'notes.txt']);
  });
});
