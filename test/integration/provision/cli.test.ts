/**
 * m1 provision / deprovision through the CLI, on a config.yml written by m1 configure.
 */
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runM1 } from '../../support/cli.js';
import { loadCluster } from '../../../src/config/load.js';
import { acquireLock } from '../../../src/engine/run/lock.js';
import { removeTestClusters } from '../../support/provisioned.js';

const docker = new Docker();
const root = mkdtempSync(join(tmpdir(), 'm1-cli-'));
const dir = join(root, 'm1provc');

const m1 = (...args: string[]) => runM1(args);

const names = async () =>
  (await docker.listContainers({ all: true, filters: { label: ['m1.cluster=m1provc'] } })).map((c) => c.Names[0]!.slice(1)).sort();

describe('m1 provision / deprovision (CLI)', () => {
  beforeAll(async () => {
    await removeTestClusters('m1provc');
    const r = await m1('configure', dir, '--architecture', 'M1', '--postgresql', '15', '--failover-manager', 'repmgr', '--platform', 'docker', '--cluster-prefixed-hostnames');
    expect(r.code, r.err).toBe(0);
  });
  afterAll(async () => {
    await removeTestClusters('m1provc');
    await rm(root, { recursive: true, force: true });
  });

  it('refuses (exit 3) while a foreign container holds an instance name, then provisions', async () => {
    const { cluster } = await loadCluster(dir);
    const victim = cluster.instances[1]!.name;
    const foreign = await docker.createContainer({ name: victim, Image: 'm1/debian:bookworm', Cmd: ['sleep', '600'] });
    try {
      const refused = await m1('provision', dir);
      expect(refused.code).toBe(3);
      expect(refused.err).toMatch(new RegExp(`^m1: container ${victim} already exists and it is not labelled as an m1 cluster`));
      expect(await names()).toEqual([]);
    } finally {
      await foreign.remove({ force: true });
    }
    const r = await m1('provision', dir);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines.filter((l) => / created \(ready at /.test(l))).toHaveLength(3);
    expect(lines.at(-1)).toMatch(/^provision m1provc \(docker\): 3 hosts ready, \d+ changed in \d+\.\d s$/);
    expect(await names()).toEqual(cluster.instances.map((i) => i.name).sort());
  });

  it('a rerun reports 0 changed', async () => {
    const r = await m1('provision', dir);
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n').at(-1)).toMatch(/^provision m1provc \(docker\): 3 hosts ready, 0 changed in /);
  });

  it('provision and deprovision are refused (exit 3) while a deploy holds the cluster lock', async () => {
    const deploy = acquireLock(dir, 'deploy');
    try {
      for (const args of [['provision', dir], ['deprovision', dir, '--yes']]) {
        const r = await m1(...args);
        expect(r.code, args[0]).toBe(3);
        expect(r.err).toMatch(/^m1: .*another m1 run holds the cluster lock \(deploy, pid \d+ on .+\); wait for it to finish/);
        expect(r.out).toBe('');
      }
    } finally {
      deploy.release();
    }
    expect(await names()).toHaveLength(3);
  });

  it('deprovision without --yes and without a terminal refuses (exit 3) with the hint', async () => {
    const r = await m1('deprovision', dir);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/^m1: deprovision m1provc would remove container .*network m1provc.*: rerun with --yes to confirm/);
    expect(await names()).toHaveLength(3);
  });

  it('deprovision --yes removes the containers and the network', async () => {
    const r = await m1('deprovision', dir, '--yes');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('network m1provc: removed');
    expect(await names()).toEqual([]);
    expect((await docker.listNetworks({ filters: { name: ['m1provc'] } })).filter((n) => n.Name === 'm1provc')).toEqual([]);
    const again = await m1('deprovision', dir, '--yes');
    expect(again.out.trim()).toBe('deprovision m1provc: nothing to remove');
  });
});
