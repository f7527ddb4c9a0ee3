import { describe, expect, it } from 'vitest';
import { packageGroups } from '../../../../roles/common/role.js';
import { MANAGERS } from '../../../../roles/managers.js';
import { instanceByName } from '../../../../src/inventory/cluster.js';
import { defaultCluster } from '../fixtures.js';

describe('packageGroups: postgres_package_version', () => {
  const groups = (vars: Record<string, unknown>, host: string) => {
    const c = defaultCluster(vars);
    return packageGroups(c, instanceByName(c, host)!, MANAGERS[c.failoverManager]);
  };
  it('unset: the server and client packages by name (apt installs its candidate)', () => {
    expect(groups({}, 'alpha')['postgres']).toEqual(expect.arrayContaining(['postgresql-15', 'postgresql-client-15']));
  });
  it('set: the server and client packages at that version on a Postgres host, the client on the Barman host', () => {
    const v = { postgres_package_version: '15.18-0+deb12u1' };
    expect(groups(v, 'alpha')['postgres']).toEqual(expect.arrayContaining(['postgresql-15=15.18-0+deb12u1', 'postgresql-client-15=15.18-0+deb12u1']));
    expect(groups(v, 'alpha')['postgres']).not.toContain('postgresql-15');
    expect(groups(v, 'gamma')['barman']).toContain('postgresql-client-15=15.18-0+deb12u1');
  });
});
