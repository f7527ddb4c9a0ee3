import { describe, expect, it } from 'vitest';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { clusterRoutes } from '../../../playbooks/operate/routes.js';
import { checkRejoin } from '../../../playbooks/operate/rejoin/preconditions.js';
import { MANAGERS } from '../../../roles/managers.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';

/** op-a failed over to op-b: op-b is the primary, op-c follows it, op-d cascades from op-c. */
const AFTER_FAILOVER: LiveSpec = { primary: 'op-b', upstreams: { 'op-c': 'op-b', 'op-d': 'op-c' } };

function check(host: string, live: LiveSpec, manager = MANAGERS.repmgr) {
  const c = fiveNodes();
  const s = evaluateStatus({ cluster: c, probes: probesFor(c, live), addresses: ADDRESSES, routes: clusterRoutes(c) });
  return checkRejoin(c, manager, s, host);
}

describe('m1 rejoin preconditions', () => {
  it('rejoins a former primary whose Postgres is down under the one primary that runs', () => {
    expect(check('op-a', { ...AFTER_FAILOVER, stopped: ['op-a'] })).toEqual({ kind: 'rejoin', primary: 'op-b' });
  });

  it('does nothing for a standby that streams already (a second m1 rejoin)', () => {
    expect(check('op-c', HEALTHY)).toEqual({ kind: 'nothing', reason: 'op-c is a standby streaming from op-a already: nothing to rejoin' });
  });

  it('refuses the primary itself, pointing at switchover', () => {
    expect(check('op-a', HEALTHY)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^op-a is the primary: nothing to rejoin it to; .*m1 switchover/) });
  });

  it('never stops a second running primary: refused with the command that stops it', () => {
    const r = check('op-a', { ...AFTER_FAILOVER, alsoPrimary: ['op-a'] });
    expect(r).toMatchObject({ kind: 'refused', reason: expect.stringContaining('op-a runs as a primary beside op-b: m1 rejoin does not stop a running primary') });
    expect(r.kind === 'refused' && r.reason).toContain('systemctl stop postgres on op-a');
  });

  it('refuses when no primary runs, or several others do', () => {
    expect(check('op-c', { ...HEALTHY, stopped: ['op-a', 'op-c'] })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^no data node runs as primary/) });
    expect(check('op-d', { ...HEALTHY, stopped: ['op-d'], alsoPrimary: ['op-c'] })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^2 other data nodes run as primary \(op-a, op-c\): split brain/) });
  });

  it('rejoins a running standby that does not stream (deploy re-points it, and rewinds it when it left the primary\'s history)', () => {
    expect(check('op-c', { ...HEALTHY, notStreaming: ['op-c'] })).toEqual({ kind: 'rejoin', primary: 'op-a' });
  });

  it('says an unreachable host is unreachable (exit 1), and bad names or non-data hosts are usage errors (exit 2)', () => {
    expect(check('op-a', { ...AFTER_FAILOVER, unreachable: ['op-a'] })).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/^cannot reach op-a over SSH/) });
    expect(check('op-z', HEALTHY)).toEqual({ kind: 'usage', reason: 'op-z is not a host of cluster op; its data nodes are op-a, op-b, op-c, op-d' });
    expect(check('op-e', HEALTHY)).toMatchObject({ kind: 'usage', reason: expect.stringMatching(/^op-e is not a data node \(barman \+ log-server \+ witness\)/) });
  });

  it('leaves Patroni and EFM to their own rejoin, saying what to do (exit 2)', () => {
    expect(check('op-a', { ...AFTER_FAILOVER, stopped: ['op-a'] }, MANAGERS.patroni)).toMatchObject({ kind: 'usage', reason: expect.stringMatching(/^Patroni rejoins a former leader by itself/) });
    expect(check('op-a', { ...AFTER_FAILOVER, stopped: ['op-a'] }, MANAGERS.efm)).toMatchObject({ kind: 'usage', reason: expect.stringMatching(/^m1 does not rejoin a former EFM primary/) });
  });
});
