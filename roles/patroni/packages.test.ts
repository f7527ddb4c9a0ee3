import { describe, expect, it } from 'vitest';
import { instance, patroniCluster } from '../../test/unit/roles/patroni/fixture.js';
import { patroniClusterPackages } from './packages.js';

describe('patroniClusterPackages', () => {
  const c = patroniCluster();
  it('gives each host the packages of its own roles', () => {
    expect(patroniClusterPackages(instance(c, 'kaboom'))).toEqual(['patroni', 'python3-etcd', 'curl']);
    expect(patroniClusterPackages(instance(c, 'kapok'))).toEqual(['etcd-server', 'etcd-client', 'curl']);
    expect(patroniClusterPackages(instance(c, 'karaoke'))).toEqual(['haproxy', 'curl']);
    expect(patroniClusterPackages(instance(c, 'kaolin'))).toEqual([]);
  });

  it("installs Patroni's etcd library itself (Debian 13's patroni depends on python3-consul, which stands in for it)", () => {
    expect(patroniClusterPackages(instance(c, 'kaboom'))).toContain('python3-etcd');
  });

  it('leaves out the groups --skip-packages names', () => {
    expect(patroniClusterPackages(instance(c, 'kaboom'), new Set(['patroni']))).toEqual([]);
    expect(patroniClusterPackages(instance(c, 'kapok'), new Set(['haproxy']))).toEqual(['etcd-server', 'etcd-client', 'curl']);
  });
});
