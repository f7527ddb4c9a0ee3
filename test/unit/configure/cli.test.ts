/**
 * m1 configure end to end in-process: what it writes, what it prints, and
 * the options that shape names, addresses and images.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HOSTNAMES } from '../../../src/architectures/hostnames.js';
import { ownAddressCidr } from '../../../src/architectures/sshFrom.js';
import { hostnameProblem } from '../../../src/inventory/hostname.js';
import { readDoc, runCli, tempDir } from './helpers.js';

const BASE = ['-a', 'M1', '--postgresql', '16', '--failover-manager', 'repmgr'];

async function configure(name: string, args: string[]) {
  const dir = join(await tempDir(), name);
  const r = await runCli(['configure', dir, ...args]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return { dir, r, doc: await readDoc(join(dir, 'config.yml')) };
}

function ipNumber(ip: string): number {
  return ip.split('.').reduce((n, p) => n * 256 + Number(p), 0);
}

describe('m1 configure', () => {
  it('creates the directory and parents, writes config.yml and prints the topology tree', async () => {
    const parent = await tempDir();
    const dir = join(parent, 'a', 'b', 'prod');
    const r = await runCli(['configure', dir, ...BASE, '--platform', 'docker', '--enable-pgbouncer']);
    expect(r.code).toBe(0);
    const doc = await readDoc(join(dir, 'config.yml'));
    expect(doc.cluster_name).toBe('prod');
    const [p, rep, barman] = doc.instances;
    expect(r.stdout).toContain(`Wrote ${join(dir, 'config.yml')}`);
    const tree = r.stdout.split('\n').slice(2);
    expect(tree[0]).toMatch(/^prod {2}M1, PostgreSQL 16, repmgr, docker 10\.33\.\d+\.\d+\/28$/);
    expect(tree[1]).toBe('└─ main');
    expect(tree[2]).toBe(`   ├─ ${p!.Name}  primary, pgbouncer  node 1  ${p!.ip_address}  backed up by ${barman!.Name}`);
    expect(tree[3]).toBe(`   │  └─ ${rep!.Name}  replica, pgbouncer  node 2  ${rep!.ip_address}`);
    expect(tree[4]).toBe(`   └─ ${barman!.Name}  barman, log-server, witness  node 3  ${barman!.ip_address}  upstream ${p!.Name}`);
  });

  it('writes TPA\'s top-level key order', async () => {
    const { dir } = await configure('order', [...BASE, '--platform', 'docker', '--keyring-backend', 'legacy']);
    const text = await readFile(join(dir, 'config.yml'), 'utf8');
    const keys = text.split('\n').filter((l) => /^[a-z_]+:/.test(l)).map((l) => l.split(':')[0]);
    expect(keys).toEqual(['architecture', 'cluster_name', 'cluster_tags', 'keyring_backend', 'docker_networks', 'cluster_vars', 'locations', 'instance_defaults', 'instances']);
    expect(text.startsWith('---\narchitecture: M1\ncluster_name: order\ncluster_tags: {}\n')).toBe(true);
    expect(text).toContain("  postgres_version: '16'\n");
    expect(text).toContain('- Name: ');
  });

  it('--architecture M1 --help lists the M1 options and explains cascading', async () => {
    const r = await runCli(['configure', '--architecture', 'M1', '--help']);
    expect(r.code).toBe(0);
    for (const flag of [
      '--architecture', '--postgresql', '--postgres-version', '--failover-manager', '--enable-repmgr', '--enable-efm',
      '--enable-patroni', '--platform', '--region', '--instance-type', '--distribution', '--os-version', '--network',
      '--subnet-prefix', '--location-names', '--primary-location', '--data-nodes-per-location', '--witness-only-location',
      '--single-node-location', '--enable-pgbouncer', '--enable-haproxy', '--patroni-dcs', '--efm-bind-by-hostname',
      '--num-cascaded-replicas', '--hostnames-from', '--cluster-prefixed-hostnames', '--hostnames-unsorted',
      '--no-shuffle-subnets', '--no-git', '--keyring-backend',
    ]) {
      expect(r.stdout, flag).toContain(flag);
    }
    expect(r.stdout).toMatch(/--num-cascaded-replicas N \(TPA accepts and ignores it; m1 honours it\)/);
  });

  it('accepts the TPA-compatibility flags', async () => {
    const { doc } = await configure('compat', [...BASE, '--platform', 'docker', '--no-git', '--keyring-backend', 'system', '--hostnames-unsorted', '--no-shuffle-subnets']);
    expect(doc.keyring_backend).toBe('system');
    expect(doc.docker_networks![0]!.ipam_config[0]!.subnet).toBe('10.33.0.0/28');
  });

  it('accepts --enable-<fm>, --postgres-version alone, and --postgresql with --postgres-version agreeing', async () => {
    const a = await configure('e1', ['-a', 'M1', '--postgres-version', '13', '--enable-efm', '--platform', 'bare']);
    expect(a.doc.cluster_vars.failover_manager).toBe('efm');
    expect(a.doc.cluster_vars.postgres_version).toBe('13');
    const b = await configure('e2', ['-a', 'M1', '--postgresql', '--postgres-version', '17', '--enable-patroni', '--platform', 'bare']);
    expect(b.doc.cluster_vars).toMatchObject({ failover_manager: 'patroni', postgres_version: '17', etcd_location: 'main', patroni_package_flavour: 'community' });
    const c = await configure('e3', ['-a', 'M1', '--postgresql', '15', '--postgres-version', '15', '--enable-repmgr', '--platform', 'bare']);
    expect(c.doc.cluster_vars.postgres_version).toBe('15');
  });

  it('patroni writes the real primary location as etcd_location', async () => {
    const { doc } = await configure('pat', [...BASE.slice(0, 4), '--failover-manager', 'patroni', '--platform', 'bare', '--location-names', 'east', 'west', '--single-node-location', 'west']);
    expect(doc.cluster_vars.etcd_location).toBe('east');
    expect(doc.instances.filter((i) => i.role.includes('etcd')).map((i) => i.vars)).toEqual(Array(3).fill({ etcd_location: 'east' }));
  });

  it('--efm-bind-by-hostname writes efm_bind_by_hostname', async () => {
    const { doc } = await configure('efmh', ['-a', 'M1', '--postgresql', '16', '--failover-manager', 'efm', '--efm-bind-by-hostname', '--platform', 'bare']);
    expect(doc.cluster_vars.efm_bind_by_hostname).toBe(true);
  });

  it("aws: SSH is allowed from --ssh-from, else from this machine's own address (said), never TPA's 0.0.0.0/0; a bad value is exit 2", async () => {
    const given = await configure('sshgiven', [...BASE, '--platform', 'aws', '--ssh-from', '203.0.113.7']);
    expect((given.doc.cluster_rules as { cidr_ip: string; from_port: number }[])[0]).toMatchObject({ cidr_ip: '203.0.113.7/32', from_port: 22 });
    const dir = join(await tempDir(), 'own');
    const r = await runCli(['configure', dir, ...BASE, '--platform', 'aws']);
    expect(r.code, r.stderr).toBe(0);
    const own = ownAddressCidr()!;
    expect(r.stderr).toContain(`cluster_rules allows SSH (22/tcp) from ${own}, this machine's own address`);
    expect(await readFile(join(dir, 'config.yml'), 'utf8')).toContain(`cidr_ip: ${own}`);
    const bad = await runCli(['configure', `${dir}-bad`, ...BASE, '--platform', 'aws', '--ssh-from', '0.0.0.0/0']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ssh-from 0\.0\.0\.0\/0: opens SSH to the whole internet/);
  });

  it("a version the --os-version release lacks: refused on docker (m1's images have the release's archive alone), a warning elsewhere", async () => {
    const dir = join(await tempDir(), 'lacks');
    const docker = await runCli(['configure', dir, ...BASE, '--platform', 'docker', '--os-version', '13']);
    expect(docker.code).toBe(2);
    expect(docker.stderr).toBe('m1: --os-version 13: Debian 13 (trixie) ships PostgreSQL 17 only, not 16; give --postgresql 17 or another --os-version\n');
    expect(existsSync(dir)).toBe(false);
    const bare = await runCli(['configure', dir, ...BASE, '--platform', 'bare', '--os-version', 'trixie']);
    expect(bare.code).toBe(0);
    expect(bare.stderr).toMatch(/^m1: warning: --os-version trixie: Debian 13 \(trixie\) ships PostgreSQL 17 only, not 16; deploy refuses it unless the hosts have a package source with postgresql-16/);
  });

  it('says aloud which options have no effect on this platform', async () => {
    const dir = join(await tempDir(), 'w');
    const r = await runCli(['configure', dir, ...BASE, '--platform', 'docker', '--region', 'us-east-1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('m1: warning: --region is used only with --platform aws; ignored on docker\n');
    const bare = await runCli(['configure', `${dir}-bare`, ...BASE, '--platform', 'bare', '--network', '10.0.0.0/8', '--subnet-prefix', '24']);
    expect(bare.code).toBe(0);
    expect(bare.stderr).toBe(
      'm1: warning: --network is not used with --platform bare; ignored\nm1: warning: --subnet-prefix is not used with --platform bare; ignored\n',
    );
  });
});

describe('docker addressing', () => {
  it('derives the subnet from the cluster name: stable, inside --network, sized /28', async () => {
    const one = await configure('alpha', [...BASE, '--platform', 'docker']);
    const again = await configure('alpha', [...BASE, '--platform', 'docker']);
    const subnet = one.doc.docker_networks![0]!.ipam_config[0]!.subnet;
    expect(again.doc.docker_networks![0]!.ipam_config[0]!.subnet).toBe(subnet);
    expect(again.doc.instances.map((i) => i.Name)).toEqual(one.doc.instances.map((i) => i.Name));
    expect(subnet).toMatch(/^10\.33\.\d+\.\d+\/28$/);
    const subnets = new Set([subnet]);
    for (const n of ['beta', 'gamma', 'delta']) {
      const other = await configure(n, [...BASE, '--platform', 'docker']);
      subnets.add(other.doc.docker_networks![0]!.ipam_config[0]!.subnet);
    }
    expect(subnets.size).toBeGreaterThan(1);
  });

  it('skips the gateway: hosts start at the second host address, in node order', async () => {
    const { doc } = await configure('gw', [...BASE, '--platform', 'docker', '--network', '192.168.0.0/20']);
    const subnet = doc.docker_networks![0]!.ipam_config[0]!.subnet;
    const base = ipNumber(subnet.split('/')[0]!);
    expect(base).toBeGreaterThanOrEqual(ipNumber('192.168.0.0'));
    expect(base).toBeLessThan(ipNumber('192.168.16.0'));
    expect(doc.instances.map((i) => ipNumber(i.ip_address!) - base)).toEqual([2, 3, 4]);
  });

  it('sizes the subnet for the cluster (13 hosts fit a /28, 14 need a /27), or as --subnet-prefix says', async () => {
    // 1 location x D data nodes + barman.
    const d12 = await configure('s12', [...BASE, '--platform', 'docker', '--data-nodes-per-location', '12']);
    expect(d12.doc.docker_networks![0]!.ipam_config[0]!.subnet).toMatch(/\/28$/);
    const d13 = await configure('s13', [...BASE, '--platform', 'docker', '--data-nodes-per-location', '13']);
    expect(d13.doc.docker_networks![0]!.ipam_config[0]!.subnet).toMatch(/\/27$/);
    const p24 = await configure('s24', [...BASE, '--platform', 'docker', '--subnet-prefix', '24']);
    expect(p24.doc.docker_networks![0]!.ipam_config[0]!.subnet).toMatch(/^10\.33\.\d+\.0\/24$/);
  });

  it("names the image after --os-version, and takes that release's PostgreSQL when no version is given", async () => {
    const noVersion = ['-a', 'M1', '--failover-manager', 'repmgr'];
    for (const [version, release, pg] of [['11', 'bullseye', '13'], ['12', 'bookworm', '15'], ['13', 'trixie', '17'], ['trixie', 'trixie', '17']]) {
      const { doc } = await configure(`os${version}`, [...noVersion, '--platform', 'docker', '--os-version', version!]);
      expect(doc.instance_defaults.image).toBe(`m1/debian:${release}`);
      expect(doc.cluster_vars.postgres_version).toBe(pg);
    }
    const dflt = await configure('osdefault', [...BASE, '--platform', 'docker', '--distribution', 'Debian']);
    expect(dflt.doc.instance_defaults.image).toBe('m1/debian:bookworm');
  });
});

describe('hostnames', () => {
  it('by default: deterministic, unique, valid, from m1\'s own list', async () => {
    const { doc } = await configure('names', [...BASE, '--platform', 'docker', '--location-names', 'a', 'b', '--data-nodes-per-location', '5']);
    const names = doc.instances.map((i) => i.Name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) {
      expect(DEFAULT_HOSTNAMES).toContain(n);
      expect(hostnameProblem(n, false)).toBeUndefined();
    }
  });

  it('--cluster-prefixed-hostnames prefixes the cluster name, lower-cased and cleaned', async () => {
    const { doc } = await configure('Prod_EU', [...BASE, '--platform', 'docker', '--cluster-prefixed-hostnames']);
    for (const i of doc.instances) expect(i.Name).toMatch(/^prod-eu-[a-z]+$/);
    expect(doc.instances[0]!.backup).toBe(doc.instances[2]!.Name);
  });

  it('--hostnames-from: names in file order, one address as ip_address, two as public_ip/private_ip', async () => {
    const parent = await tempDir();
    const file = join(parent, 'hosts');
    await writeFile(file, '# our machines\nzulu 192.168.56.11\n\nyankee 192.168.56.12   # spare\nxray 203.0.113.7 192.168.56.13\nwhiskey\n');
    const dir = join(parent, 'bare1');
    const r = await runCli(['configure', dir, ...BASE, '--platform', 'bare', '--hostnames-from', file]);
    expect(r.code).toBe(0);
    const doc = await readDoc(join(dir, 'config.yml'));
    expect(doc.instances.map((i) => [i.Name, i.ip_address, i.public_ip, i.private_ip])).toEqual([
      ['zulu', '192.168.56.11', undefined, undefined],
      ['yankee', '192.168.56.12', undefined, undefined],
      ['xray', undefined, '203.0.113.7', '192.168.56.13'],
    ]);
  });

  it('--hostnames-from on docker uses the file\'s addresses when they fit the subnet', async () => {
    const parent = await tempDir();
    const file = join(parent, 'hosts');
    await writeFile(file, 'one 10.33.0.10\ntwo\nthree 10.33.0.2\n');
    const dir = join(parent, 'd1');
    const r = await runCli(['configure', dir, ...BASE, '--platform', 'docker', '--no-shuffle-subnets', '--hostnames-from', file]);
    expect(r.code).toBe(0);
    const doc = await readDoc(join(dir, 'config.yml'));
    expect(doc.instances.map((i) => `${i.Name} ${i.ip_address}`)).toEqual(['one 10.33.0.10', 'two 10.33.0.3', 'three 10.33.0.2']);
  });
});
