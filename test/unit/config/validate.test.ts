/**
 * m1 validate: TPA-written configs (reference 2.8) pass and print their
 * topology; broken ones print every problem and exit 2, touching nothing.
 */
import { readdirSync } from 'node:fs';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCluster } from '../../../src/config/load.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { runCli, tempDir } from '../configure/helpers.js';

const TPA_DIR = join(packageRoot, 'inventories', 'tpa');
const FIXTURES = readdirSync(TPA_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

describe('m1 validate accepts the configs TPA writes (reference 2.8)', () => {
  it('has the fixtures', () => {
    expect(FIXTURES.sort()).toEqual(['efm1', 'patroni1', 'patroni2', 'repmgr1', 'repmgr3', 'repmgr4', 'speedy']);
  });

  for (const name of FIXTURES) {
    it(name, async () => {
      const dir = join(TPA_DIR, name);
      const r = await runCli(['validate', dir]);
      const { cluster } = await loadCluster(dir);
      // TPA's aws configure opens SSH to the whole internet: said, not refused.
      expect(r.stderr).toBe(
        cluster.platform === 'aws'
          ? "m1: warning: cluster_rules[0] opens SSH (22/tcp) to 0.0.0.0/0, the whole internet (TPA's default): set cidr_ip to the address m1 runs from (a.b.c.d/32)\n"
          : '',
      );
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n')[0]).toBe(
        `${name}  M1, PostgreSQL ${cluster.postgresVersion}, ${cluster.failoverManager}, ${cluster.platform}` +
          (cluster.dockerNetwork ? ` ${cluster.dockerNetwork.subnet}` : ''),
      );
      for (const i of cluster.instances) expect(r.stdout).toContain(`${i.name}  ${i.roles.join(', ')}  node ${i.node}`);
    });
  }

  it('aws: what provision would stop on is reported by validate, before any call to AWS (exit 2, file and key named)', async () => {
    const dir = join(await tempDir(), 'aws-bad');
    await cp(join(TPA_DIR, 'speedy'), dir, { recursive: true });
    const file = join(dir, 'config.yml');
    const text = await readFile(file, 'utf8');
    // A location without its subnet: provision cannot place its instances.
    const broken = text.replace(/(\n\s+)subnet: [0-9./]+/, '');
    expect(broken).not.toBe(text);
    await writeFile(file, broken);
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/config\.yml.*locations\[0\].*needs region, az and subnet/);
    expect(r.stderr).toMatch(/problem.* in the config; nothing was changed/);
  });

  it('example C prints its tree: replicas nested under their upstream, by location', async () => {
    const r = await runCli(['validate', join(TPA_DIR, 'repmgr3')]);
    expect(r.stdout).toBe(
      [
        'repmgr3  M1, PostgreSQL 16, repmgr, docker 10.33.0.0/28',
        '├─ dc1',
        '│  ├─ kaboom  primary, pgbouncer  node 1  10.33.0.2  backed up by kapok',
        '│  │  ├─ kaftan  replica, pgbouncer  node 2  10.33.0.3',
        '│  │  └─ kaolin  replica, pgbouncer  node 3  10.33.0.4',
        '│  └─ kapok  barman, log-server, witness  node 4  10.33.0.5  upstream kaboom',
        '├─ dc2',
        '│  └─ kaput  replica, pgbouncer  node 5  10.33.0.6  <- kaboom (dc1)',
        '│     ├─ karakul  replica, pgbouncer  node 6  10.33.0.7',
        '│     └─ karaoke  replica, pgbouncer  node 7  10.33.0.8',
        '└─ dc3',
        '   └─ karate  witness  node 8  10.33.0.9  upstream kaboom (dc1)',
        '',
      ].join('\n'),
    );
  });
});

describe('m1 validate on a broken config', () => {
  it('prints every problem with file, line and path, exits 2, changes nothing', async () => {
    const dir = await tempDir();
    await cp(join(TPA_DIR, 'repmgr3'), dir, { recursive: true });
    const file = join(dir, 'config.yml');
    const broken = (await readFile(file, 'utf8'))
      .replaceAll('  upstream: kaput\n', '  upstream: kaptu\n')
      .replace('- Name: karate\n', '- Name: karate\n  colour: blue\n')
      .replace('  backup: kapok\n', '  backup: kaftan\n');
    await writeFile(file, broken);
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines).toEqual([
      `${file}:33 instances[0].backup: "kaftan" is not a barman instance (role replica, pgbouncer); name an instance with role barman`,
      `${file}:88 instances[5].upstream: "kaptu" is not an instance (did you mean "kaput"?)`,
      `${file}:98 instances[6].upstream: "kaptu" is not an instance (did you mean "kaput"?)`,
      `${file}:102 instances[7].colour: unknown key; put custom settings under vars`,
      'm1: 4 problems in the config; nothing was changed',
    ]);
    expect(await readFile(file, 'utf8')).toBe(broken);
    expect(await readdir(dir)).toEqual(['config.yml']);
  });

  it('a directory without config.yml: exit 2 and how to create one', async () => {
    const dir = await tempDir();
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `${join(dir, 'config.yml')}: no such file; create it with \`m1 configure ${dir} --architecture M1 ...\`\n` +
        'm1: 1 problem in the config; nothing was changed\n',
    );
    expect(await readdir(dir)).toEqual([]);
  });

  it('warnings go to stderr and do not fail validation', async () => {
    const dir = await tempDir();
    await cp(join(TPA_DIR, 'repmgr1'), dir, { recursive: true });
    const file = join(dir, 'config.yml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('  failover_manager: repmgr\n', '  failover_manager: repmgr\n  repmgr_redirect_pgbouncr: true\n'));
    const r = await runCli(['validate', dir]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`m1: warning: ${file}:15 cluster_vars.repmgr_redirect_pgbouncr: unknown variable (did you mean "repmgr_redirect_pgbouncer"?)\n`);
    expect(r.stdout).toContain('quash  primary');
  });
});
