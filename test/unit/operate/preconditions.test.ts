import { describe, expect, it } from 'vitest';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { clusterRoutes } from '../../../playbooks/operate/routes.js';
import { checkSwitchover } from '../../../playbooks/operate/switchover/preconditions.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';

function check(target: string, live: LiveSpec = HEALTHY, maxLag?: number) {
  const c = fiveNodes();
  const s = evaluateStatus({ cluster: c, probes: probesFor(c, live), addresses: ADDRESSES, routes: clusterRoutes(c) });
  return checkSwitchover(c, s, target, maxLag);
}

const reason = (r: ReturnType<typeof check>) => (r.ok ? 'accepted' : r.reason);

describe('switchover preconditions', () => {
  it('accepts a streaming replica of the primary, and plans who follows and who keeps its upstream', () => {
    const r = check('op-c', { ...HEALTHY, lag: { 'op-c': 1000 } });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.plan).toEqual({ primary: 'op-a', target: 'op-c', siblings: ['op-b'], cascaded: [{ host: 'op-d', upstream: 'op-b' }], witnesses: ['op-e'], lagBytes: 1000, failoverPaused: false });
  });

  it("Patroni: a replica whose replicatefrom names the leader stays under it (cascaded) instead of following the target; repmgr's follows", () => {
    // op-d is configured under op-b; op-b leads now, so op-d streams from the leader.
    const live: LiveSpec = { primary: 'op-b', upstreams: { 'op-a': 'op-b', 'op-c': 'op-b', 'op-d': 'op-b' } };
    const repmgr = fiveNodes();
    const s = evaluateStatus({ cluster: repmgr, probes: probesFor(repmgr, live), addresses: ADDRESSES, routes: clusterRoutes(repmgr) });
    const r = checkSwitchover(repmgr, s, 'op-a');
    expect(r.ok && [r.plan.siblings, r.plan.cascaded]).toEqual([['op-c', 'op-d'], []]);
    const patroni = { ...repmgr, failoverManager: 'patroni' as const };
    const p = checkSwitchover(patroni, s, 'op-a');
    expect(p.ok && [p.plan.siblings, p.plan.cascaded]).toEqual([['op-c'], [{ host: 'op-d', upstream: 'op-b' }]]);
  });

  it('notes a cluster paused before (m1 pause), so the switchover leaves it paused', () => {
    const r = check('op-c', { ...HEALTHY, paused: ['op-a', 'op-b', 'op-c', 'op-d', 'op-e'] });
    expect(r.ok && r.plan.failoverPaused).toBe(true);
  });

  it('refuses an unknown host, naming the hosts and the replicas to choose from', () => {
    expect(reason(check('op-z'))).toBe('switchover to op-z refused: op-z is not a host of cluster op (hosts: op-a, op-b, op-c, op-d, op-e); choose one of op-a\'s replicas: op-b, op-c');
  });

  it('refuses the witness (and any host without data)', () => {
    expect(reason(check('op-e'))).toMatch(/^switchover to op-e refused: op-e is the witness, not a data node: it holds no copy of the data to promote; choose one of op-a's replicas: op-b, op-c$/);
  });

  it('refuses the primary itself', () => {
    expect(reason(check('op-a'))).toMatch(/op-a is already the primary; nothing to do/);
  });

  it('refuses a cascaded replica, suggesting its upstream', () => {
    expect(reason(check('op-d'))).toMatch(/op-d is a cascaded replica: it streams from op-b, not from the primary op-a.*choose one of op-a's replicas: op-b, op-c, or switch over to op-b first$/);
  });

  it('refuses a replica whose Postgres is stopped, with the command to start it', () => {
    expect(reason(check('op-c', { ...HEALTHY, stopped: ['op-c'] }))).toMatch(/Postgres on op-c is not running; start it \(systemctl start postgres on op-c\)/);
  });

  it('refuses an unreachable target', () => {
    expect(reason(check('op-c', { ...HEALTHY, unreachable: ['op-c'] }))).toMatch(/cannot reach op-c over SSH \(timed out/);
  });

  it('refuses a replica that lags more than --max-lag', () => {
    expect(reason(check('op-c', { ...HEALTHY, lag: { 'op-c': 20 * 1024 * 1024 } }))).toMatch(/op-c is 20\.0 MB \(20971520 bytes\) behind op-a, over --max-lag 16777216; wait until it catches up/);
    expect(check('op-c', { ...HEALTHY, lag: { 'op-c': 20 * 1024 * 1024 } }, 32 * 1024 * 1024).ok).toBe(true);
  });

  it('refuses when there is no primary, or several', () => {
    expect(reason(check('op-b', { ...HEALTHY, stopped: ['op-a'] }))).toMatch(/no data node runs as primary/);
    expect(reason(check('op-b', { ...HEALTHY, alsoPrimary: ['op-c'], upstreams: { 'op-b': 'op-a', 'op-d': 'op-b' } }))).toMatch(/2 data nodes run as primary \(op-a, op-c\): split brain/);
  });

  it('refuses when repmgr disagrees with Postgres about the primary', () => {
    expect(reason(check('op-c', { ...HEALTHY, repmgrPrimary: 'op-b' }))).toMatch(/repmgr \(asked on op-a\) takes op-b for the primary, but Postgres on op-a is the primary/);
  });

  it('refuses a replica that is not streaming', () => {
    expect(reason(check('op-c', { ...HEALTHY, notStreaming: ['op-c'] }))).toMatch(/op-c is not streaming \(WAL receiver: not streaming, upstream op-a\)/);
  });
});
