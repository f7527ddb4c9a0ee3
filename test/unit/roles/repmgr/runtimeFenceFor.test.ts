import { describe, expect, it } from 'vitest';
import { runtimeFenceFor } from '../../../../roles/repmgr/fence.js';
import { byName, defaultCluster, twoLocationCluster } from '../fixtures.js';

describe('runtimeFenceFor: who gets a runtime fence', () => {
  it('a data node of primary, replica and witness: three voters, the witness among them, never counted as a data node', () => {
    const c = defaultCluster();
    expect(runtimeFenceFor(c, byName(c, 'alpha'))).toMatchObject({ me: 'alpha', dataNodes: ['beta'], witnesses: ['gamma'], after: 5, synchronous: 'off' });
    expect(runtimeFenceFor(c, byName(c, 'beta'))).toMatchObject({ dataNodes: ['alpha'], witnesses: ['gamma'] });
  });

  it('the witness itself has none; neither has a cluster with repmgr_fence off', () => {
    const c = defaultCluster();
    expect(runtimeFenceFor(c, byName(c, 'gamma'))).toEqual({ none: 'not a repmgr data node' });
    c.clusterVars['repmgr_fence'] = false;
    expect(runtimeFenceFor(c, byName(c, 'alpha'))).toEqual({ none: 'repmgr_fence is off' });
  });

  it('two voters: none (losing the standby would fence the primary)', () => {
    const c = defaultCluster();
    c.instances = c.instances.filter((i) => i.name !== 'gamma');
    expect(runtimeFenceFor(c, byName(c, 'alpha'))).toEqual({ none: '2 voters: losing one would fence the primary (add a witness)' });
  });

  it('four data nodes in two locations, PgBouncer on each: every other data node by node number, PgBouncer known', () => {
    const c = twoLocationCluster();
    expect(runtimeFenceFor(c, byName(c, 'gamma'))).toMatchObject({ dataNodes: ['alpha', 'beta', 'delta'], witnesses: [], pgbouncer: true });
  });
});
