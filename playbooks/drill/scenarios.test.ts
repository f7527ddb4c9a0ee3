import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { testCluster } from '../../test/support/testCluster.js';
import { drillTarget, parseScenario, SCENARIOS } from './scenarios.js';

/** a primary, b replica of a, c cascaded from b, w witness + barman. */
const repmgr = (): Cluster =>
  testCluster({
    name: 'dr',
    instances: [
      { name: 'dr-a', roles: ['primary', 'pgbouncer'], backup: 'dr-w' },
      { name: 'dr-b', roles: ['replica'], upstream: 'dr-a' },
      { name: 'dr-c', roles: ['replica'], upstream: 'dr-b' },
      { name: 'dr-w', roles: ['barman', 'witness'], upstream: 'dr-a' },
    ],
  });

const patroni = (): Cluster => ({
  ...testCluster({
    name: 'dp',
    instances: [
      { name: 'dp-a', roles: ['primary'] },
      { name: 'dp-b', roles: ['replica'], upstream: 'dp-a' },
      { name: 'dp-e', roles: ['etcd'] },
      { name: 'dp-h', roles: ['haproxy'] },
    ],
  }),
  failoverManager: 'patroni',
});

describe('drill scenarios', () => {
  it('names every scenario and refuses others as a usage error', () => {
    for (const s of SCENARIOS) expect(parseScenario(s)).toBe(s);
    expect(() => parseScenario('crash-everything')).toThrow(UsageError);
  });

  it('strikes the live primary, not the configured one', () => {
    expect(drillTarget(repmgr(), 'crash-primary', 'dr-b')).toEqual({ scenario: 'crash-primary', kind: 'crash', host: 'dr-b', primary: true });
    expect(drillTarget(repmgr(), 'partition-primary', 'dr-a')).toMatchObject({ kind: 'partition', host: 'dr-a', primary: true });
  });

  it('crashes a replica nothing cascades from', () => {
    expect(drillTarget(repmgr(), 'crash-replica', 'dr-a')).toMatchObject({ kind: 'crash', host: 'dr-c', primary: false });
  });

  it('crashes the witness where the manager votes with one, an etcd member where it votes with etcd', () => {
    expect(drillTarget(repmgr(), 'crash-witness', 'dr-a').host).toBe('dr-w');
    expect(() => drillTarget(repmgr(), 'crash-etcd-member', 'dr-a')).toThrow(/repmgr votes with a witness/);
    expect(drillTarget(patroni(), 'crash-etcd-member', 'dp-a').host).toBe('dp-e');
    expect(() => drillTarget(patroni(), 'crash-witness', 'dp-a')).toThrow(UsageError);
  });

  it('crash-barman needs a Barman host', () => {
    expect(drillTarget(repmgr(), 'crash-barman', 'dr-a').host).toBe('dr-w');
    expect(() => drillTarget(patroni(), 'crash-barman', 'dp-a')).toThrow(/no Barman host/);
  });
});
