import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCluster } from '../../../src/config/load.js';
import { M1Error } from '../../../src/errors.js';
import type { Cluster, Instance } from '../../../src/inventory/cluster.js';
import {
  barmanOf,
  deployStages,
  primaryOf,
  renderTopologyTree,
  replicasOf,
  upstreamOf,
  upstreamRoot,
} from '../../../src/inventory/topology.js';
import { packageRoot } from '../../../src/packageRoot.js';

const fixture = async (name: string): Promise<Cluster> =>
  (await loadCluster(join(packageRoot, 'inventories', 'tpa', name))).cluster;

/** The cluster with some instances' upstream changed (undefined removes it). */
function rewire(c: Cluster, upstreams: Record<string, string | undefined>): Cluster {
  return {
    ...c,
    instances: c.instances.map((i): Instance => {
      if (!(i.name in upstreams)) return i;
      const { upstream: _old, ...rest } = i;
      const up = upstreams[i.name];
      return up === undefined ? rest : { ...rest, upstream: up };
    }),
  };
}

describe('upstream helpers', () => {
  it('upstreamOf and replicasOf follow the configured links', async () => {
    const c = await fixture('repmgr3');
    expect(upstreamOf(c, 'karakul')?.name).toBe('kaput');
    expect(upstreamOf(c, 'kaput')?.name).toBe('kaboom');
    expect(upstreamOf(c, 'kaboom')).toBeUndefined();
    expect(upstreamOf(c, 'nobody')).toBeUndefined();
    expect(replicasOf(c, 'kaboom').map((i) => i.name)).toEqual(['kaftan', 'kaolin', 'kaput']);
    expect(replicasOf(c, 'kaput').map((i) => i.name)).toEqual(['karakul', 'karaoke']);
  });

  it('upstreamRoot walks to the root', async () => {
    const c = await fixture('repmgr3');
    expect(upstreamRoot(c, 'karakul')).toBe('kaboom');
    expect(upstreamRoot(c, 'karate')).toBe('kaboom');
    expect(upstreamRoot(c, 'kaboom')).toBe('kaboom');
    expect(upstreamRoot(c, 'nobody')).toBe('nobody');
  });

  it('upstreamRoot is cycle-safe: the primary in the cycle, else its lowest node', async () => {
    const c = await fixture('repmgr3');
    // A stale config after a failover: the old primary still says it follows kaput.
    expect(upstreamRoot(rewire(c, { kaboom: 'kaput' }), 'karakul')).toBe('kaboom');
    const noPrimary = rewire(c, { karakul: 'karaoke', karaoke: 'karakul' });
    expect(upstreamRoot(noPrimary, 'karakul')).toBe('karakul');
    expect(upstreamRoot(noPrimary, 'karaoke')).toBe('karakul');
    // A dangling link stops at the last instance that exists.
    expect(upstreamRoot(rewire(c, { kaput: 'gone' }), 'karakul')).toBe('kaput');
  });

  it('primaryOf finds the primary, or says there is none', async () => {
    const c = await fixture('repmgr4');
    expect(primaryOf(c).name).toBe('kaboom');
    const none = { ...c, instances: c.instances.filter((i) => !i.roles.includes('primary')) };
    expect(() => primaryOf(none)).toThrow(M1Error);
  });

  it('barmanOf: the primary\'s backup, through the upstream root for others', async () => {
    const c = await fixture('repmgr3');
    expect(barmanOf(c)?.name).toBe('kapok');
    expect(barmanOf(c, 'karakul')?.name).toBe('kapok');
    expect(barmanOf(await fixture('patroni1'))?.name).toBe('kaolin');
    const noBackup = { ...c, instances: c.instances.map(({ backup: _b, ...i }) => i) };
    expect(barmanOf(noBackup)?.name).toBe('kapok');
    expect(barmanOf(noBackup, 'karakul')).toBeUndefined();
    const noBarman = { ...noBackup, instances: noBackup.instances.filter((i) => !i.roles.includes('barman')) };
    expect(barmanOf(noBarman)).toBeUndefined();
  });
});

describe('deployStages', () => {
  it('repmgr, three locations: primary; its replicas, barman and witnesses; then cascaded replicas', async () => {
    expect(deployStages(await fixture('repmgr3'))).toEqual([
      ['kaboom'],
      ['kaftan', 'kaolin', 'kapok', 'kaput', 'karate'],
      ['karakul', 'karaoke'],
    ]);
  });

  it('patroni: etcd with the primary (the DCS comes first), HAProxy with the replicas', async () => {
    expect(deployStages(await fixture('patroni1'))).toEqual([
      ['kaboom', 'kapok', 'kaput', 'karakul'],
      ['kaftan', 'kaolin', 'karaoke', 'karate'],
    ]);
  });

  it('a cascaded replica always comes after its upstream; every instance once', async () => {
    for (const name of ['repmgr1', 'repmgr3', 'repmgr4', 'patroni2', 'speedy']) {
      const c = await fixture(name);
      const stages = deployStages(c);
      expect(stages.flat().sort()).toEqual(c.instances.map((i) => i.name).sort());
      const stageOf = new Map(stages.flatMap((s, k) => s.map((n) => [n, k] as const)));
      for (const i of c.instances) {
        if (i.upstream !== undefined) expect(stageOf.get(i.name)!, `${name} ${i.name}`).toBeGreaterThan(stageOf.get(i.upstream)!);
      }
    }
  });

  it('instances in an upstream cycle come last, once', async () => {
    const c = rewire(await fixture('repmgr3'), { karakul: 'karaoke', karaoke: 'karakul' });
    const stages = deployStages(c);
    expect(stages.at(-1)).toEqual(['karakul', 'karaoke']);
    expect(stages.flat()).toHaveLength(c.instances.length);
  });
});

describe('renderTopologyTree', () => {
  it('example D: by location, the cascaded pair nested, the single-node replica marked with its upstream', async () => {
    expect(renderTopologyTree(await fixture('repmgr4'))).toBe(
      [
        'repmgr4  M1, PostgreSQL 16, repmgr, docker 10.33.0.0/28',
        '├─ dc1',
        '│  └─ kapok  replica  node 4  10.33.0.5  <- kaboom (dc2)',
        '│     └─ kaput  replica  node 5  10.33.0.6',
        '├─ dc2',
        '│  ├─ kaboom  primary  node 1  10.33.0.2  backed up by kaolin',
        '│  │  └─ kaftan  replica  node 2  10.33.0.3',
        '│  └─ kaolin  barman, log-server  node 3  10.33.0.4',
        '└─ dc3',
        '   └─ karakul  replica  node 6  10.33.0.7  <- kaboom (dc2)',
      ].join('\n'),
    );
  });

  it('patroni: primary, replica, Barman, etcd, HAProxy in that order', async () => {
    const lines = renderTopologyTree(await fixture('patroni1')).split('\n');
    expect(lines.slice(2).map((l) => l.replace(/^[│├└─ ]+/, '').split('  ').slice(0, 2).join(' '))).toEqual([
      'kaboom primary',
      'kaftan replica',
      'kaolin barman, log-server',
      'kapok etcd',
      'kaput etcd',
      'karakul etcd',
      'karaoke haproxy',
      'karate haproxy',
    ]);
  });

  it('terminates on cycles and shows every instance exactly once', async () => {
    const c = rewire(await fixture('repmgr3'), { karakul: 'karaoke', karaoke: 'karakul', kaboom: 'kaftan' });
    const tree = renderTopologyTree(c);
    for (const i of c.instances) expect(tree.split(`─ ${i.name}  `).length - 1, i.name).toBe(1);
  });
});
