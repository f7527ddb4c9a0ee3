import { describe, expect, it } from 'vitest';
import type { BarmanServer } from '../../../src/products/barman/serverName.js';
import type { ClusterStatus, HostStatus } from '../health.js';
import { backupRefusal } from './preconditions.js';

const server: BarmanServer = { name: 'm1', barmanHost: 'gamma', configuredInstance: 'alpha', followsPrimary: true };
const host = (name: string, reachable = true): HostStatus => ({ host: name, configured: [], otherRoles: [], reachable, services: {} });
type S = Pick<ClusterStatus, 'primary' | 'primaries' | 'barman' | 'hosts'>;
const healthy: S = {
  primary: 'alpha',
  primaries: ['alpha'],
  hosts: [host('alpha'), host('beta'), host('gamma')],
  barman: [{ server: 'm1', host: 'gamma', target: 'alpha', backups: 1, check: { ok: true, failed: [] } }],
};
const withCheck = (failed: string[]): S => ({ ...healthy, barman: [{ ...healthy.barman[0]!, check: { ok: false, failed } }] });

describe('m1 backup preconditions', () => {
  it('a healthy cluster backs up', () => {
    expect(backupRefusal(healthy, server)).toBeUndefined();
  });

  it('refuses without a primary, with two, or with Barman still on another host', () => {
    expect(backupRefusal({ ...healthy, primary: undefined, primaries: [] }, server)).toBe('no data node runs as primary');
    expect(backupRefusal({ ...healthy, primary: undefined, primaries: ['alpha', 'beta'] }, server)).toBe('2 data nodes run as primary (alpha, beta)');
    expect(backupRefusal({ ...healthy, primary: 'beta', primaries: ['beta'] }, server)).toMatch(/backs up alpha, not the primary beta: run m1 deploy/);
  });

  it('a server on a fixed instance does not need that instance to be primary', () => {
    expect(backupRefusal({ ...healthy, primary: 'beta', primaries: ['beta'] }, { ...server, followsPrimary: false })).toBeUndefined();
  });

  it('refuses an unreachable Barman host and a server never deployed', () => {
    expect(backupRefusal({ ...healthy, hosts: [host('alpha'), { ...host('gamma', false), error: 'connect timeout' }] }, server)).toBe('the Barman host gamma does not answer (connect timeout)');
    expect(backupRefusal({ ...healthy, barman: [] }, server)).toMatch(/no server conf: run m1 deploy first/);
  });

  it("refuses a critical barman check failure, not what a backup repairs", () => {
    expect(backupRefusal(withCheck(['backup maximum age: FAILED (interval provided: 7 days, latest backup age: 8 days)', 'failed backups: FAILED (there are 1 failed backups)']), server)).toBeUndefined();
    expect(backupRefusal(withCheck(['receive-wal running: FAILED', 'backup maximum age: FAILED (x)']), server)).toBe('barman check m1 on gamma fails: receive-wal running: FAILED');
    expect(backupRefusal(withCheck([]), server)).toBe('barman check m1 on gamma fails: exit status not 0');
  });
});
