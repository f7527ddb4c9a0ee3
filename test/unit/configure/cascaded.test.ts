/**
 * --num-cascaded-replicas N (earlier seed document): TPA accepts and ignores
 * it; m1 adds N replicas streaming from the primary location's first replica,
 * in the second location when there is one, keeping repmgr/EFM voters odd.
 */
import { describe, expect, it } from 'vitest';
import { configureM1, type M1Options } from '../../../src/architectures/m1.js';
import type { ConfigDocument } from '../../../src/config/document.js';
import { UsageError } from '../../../src/errors.js';
import { layoutOf } from './helpers.js';

const base: M1Options = { clusterName: 'casc', postgresVersion: 16, failoverManager: 'repmgr', platform: 'bare' };

/** Postgres nodes plus witnesses: who votes in repmgr/EFM. */
function voters(doc: ConfigDocument): number {
  return doc.instances.filter((i) => i.role.some((r) => r === 'primary' || r === 'replica' || r === 'witness')).length;
}

describe('--num-cascaded-replicas', () => {
  it('absent or 0: exactly TPA\'s layout', () => {
    for (const extra of [{}, { locationNames: ['a', 'b'] }, { dataNodesPerLocation: 3 }, { locationNames: ['a', 'b', 'c'] }]) {
      const tpa = configureM1({ ...base, ...extra });
      expect(configureM1({ ...base, ...extra, numCascadedReplicas: 0 })).toEqual(tpa);
    }
  });

  it('one location: the replicas cascade from the first replica, before Barman; voters stay odd', () => {
    expect(layoutOf(configureM1({ ...base, numCascadedReplicas: 1 }))).toEqual([
      '1 main primary backup:4',
      '2 main replica <-1',
      '3 main replica <-2',
      '4 main barman+log-server',
    ]);
    const two = configureM1({ ...base, numCascadedReplicas: 2 });
    expect(layoutOf(two)).toEqual([
      '1 main primary backup:5',
      '2 main replica <-1',
      '3 main replica <-2',
      '4 main replica <-2',
      '5 main barman+log-server+witness <-1',
    ]);
    expect(voters(two) % 2).toBe(1);
  });

  it('two locations: placed in the second location, streaming from the primary location\'s first replica', () => {
    const doc = configureM1({ ...base, locationNames: ['dc1', 'dc2'], numCascadedReplicas: 2 });
    expect(layoutOf(doc)).toEqual([
      '1 dc1 primary backup:3',
      '2 dc1 replica <-1',
      '3 dc1 barman+log-server+witness <-1',
      '4 dc2 replica <-1',
      '5 dc2 replica <-4',
      '6 dc2 replica <-2',
      '7 dc2 replica <-2',
    ]);
    expect(voters(doc)).toBe(7);
  });

  it('the second location is the first active one after the primary location', () => {
    const doc = configureM1({ ...base, locationNames: ['dc1', 'dc2'], primaryLocation: 'dc2', numCascadedReplicas: 1 });
    const cascaded = doc.instances.at(-1)!;
    expect(cascaded.location).toBe('dc1');
    expect(cascaded.upstream).toBe(doc.instances[1]!.Name);
    expect(doc.instances[1]!.location).toBe('dc2');
  });

  it('never into a single-node or witness-only location', () => {
    const single = configureM1({ ...base, locationNames: ['main', 'solo'], singleNodeLocation: 'solo', numCascadedReplicas: 1 });
    expect(layoutOf(single)).toEqual([
      '1 main primary backup:4',
      '2 main replica <-1',
      '3 main replica <-2',
      '4 main barman+log-server+witness <-1',
      '5 solo replica <-1',
    ]);
    expect(voters(single) % 2).toBe(1);
    const witness = configureM1({ ...base, locationNames: ['a', 'b', 'w'], witnessOnlyLocation: 'w', numCascadedReplicas: 1 });
    expect(witness.instances.filter((i) => i.location === 'w').map((i) => i.role)).toEqual([['witness']]);
    expect(witness.instances.filter((i) => i.location === 'b')).toHaveLength(3);
    expect(voters(witness) % 2).toBe(1);
  });

  it('efm keeps voters odd too; patroni never gets a witness', () => {
    for (const n of [1, 2, 3, 4]) {
      expect(voters(configureM1({ ...base, failoverManager: 'efm', numCascadedReplicas: n })) % 2).toBe(1);
    }
    const patroni = configureM1({ ...base, failoverManager: 'patroni', enableHaproxy: true, numCascadedReplicas: 2 });
    expect(patroni.instances.some((i) => i.role.includes('witness'))).toBe(false);
    expect(layoutOf(patroni).slice(0, 5)).toEqual([
      '1 main primary backup:5',
      '2 main replica <-1',
      '3 main replica <-2',
      '4 main replica <-2',
      '5 main barman+log-server',
    ]);
    // HAProxy balances over every data node of the location, cascaded ones included.
    const haproxy = patroni.instances.find((i) => i.role.includes('haproxy'))!;
    expect(haproxy.vars!.haproxy_backend_servers).toEqual(patroni.instances.slice(0, 4).map((i) => i.Name));
  });

  it('cascaded replicas are data nodes: pgbouncer with the primary as backend', () => {
    const doc = configureM1({ ...base, enablePgbouncer: true, numCascadedReplicas: 1 });
    expect(doc.instances[2]!.role).toEqual(['replica', 'pgbouncer']);
    expect(doc.instances[2]!.vars).toEqual({ pgbouncer_backend: doc.instances[0]!.Name });
  });

  it('needs a replica in the primary location to cascade from', () => {
    expect(() => configureM1({ ...base, dataNodesPerLocation: 1, numCascadedReplicas: 1 })).toThrow(UsageError);
    expect(configureM1({ ...base, dataNodesPerLocation: 1, numCascadedReplicas: 0 }).instances).toHaveLength(2);
  });
});
