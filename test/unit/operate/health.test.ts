import { describe, expect, it } from 'vitest';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { formatStatus } from '../../../playbooks/operate/formatStatus.js';
import { clusterRoutes, type RouteAnswer } from '../../../playbooks/operate/routes.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';
import { testCluster } from '../../support/testCluster.js';

function status(live: LiveSpec, routeAnswers?: Record<string, RouteAnswer>) {
  const c = fiveNodes();
  return evaluateStatus({ cluster: c, probes: probesFor(c, live), addresses: ADDRESSES, routes: clusterRoutes(c), ...(routeAnswers ? { routeAnswers } : {}) });
}

describe('evaluateStatus', () => {
  it('a healthy cluster: one primary, each replica streaming from its upstream, nothing wrong', () => {
    const s = status({ ...HEALTHY, lag: { 'op-c': 4096 } });
    expect(s.problems).toEqual([]);
    expect(s.healthy).toBe(true);
    expect(s.primary).toBe('op-a');
    expect(s.timeline).toBe(2);
    const byHost = Object.fromEntries(s.hosts.map((h) => [h.host, h]));
    expect(byHost['op-a']).toMatchObject({ live: 'primary', otherRoles: ['pgbouncer'] });
    expect(byHost['op-c']).toMatchObject({ live: 'replica', upstream: 'op-a', replication: 'streaming', lagBytes: 4096 });
    expect(byHost['op-d']).toMatchObject({ live: 'replica', upstream: 'op-b' });
    expect(byHost['op-e']).toMatchObject({ live: 'witness', otherRoles: ['barman', 'log-server'] });
    expect(s.fm).toMatchObject({ manager: 'repmgr', primary: 'op-a', from: 'op-a' });
    expect(s.fm.nodes.find((n) => n.name === 'op-d')).toMatchObject({ role: 'standby', upstream: 'op-b', state: 'running', daemon: 'running' });
    expect(s.routes.map((r) => `${r.id} ${r.configuredTarget}`)).toEqual(['pgbouncer:op-a op-a', 'pgbouncer:op-b op-a', 'pgbouncer:op-c op-a']);
    expect(s.barman).toEqual([expect.objectContaining({ server: 'op', host: 'op-e', target: 'op-a', backups: 1, check: { ok: true, failed: [] } })]);
    expect(s.drift).toEqual([]);
  });

  it('a stopped replica: degraded, named, and repmgr sees it unreachable', () => {
    const s = status({ ...HEALTHY, stopped: ['op-c'] });
    expect(s.healthy).toBe(false);
    expect(s.problems).toEqual(['op-c: Postgres is not running (no server socket)', 'repmgr sees op-c as unreachable']);
    expect(s.hosts.find((h) => h.host === 'op-c')?.live).toBe('down');
  });

  it('an unreachable host is degraded; the view is taken from another node', () => {
    const s = status({ ...HEALTHY, unreachable: ['op-a'] });
    expect(s.problems).toContain('op-a: unreachable (timed out after 5 s connecting to 10.0.0.1:22)');
    expect(s.problems).toContain('no data node runs as primary: Postgres answers out of recovery nowhere');
    expect(s.fm.from).toBe('op-b');
  });

  it('a fenced primary (refusing writes) is a problem that names m1-fence and says it lifts itself', () => {
    expect(status(HEALTHY).problems).toEqual([]);
    const s = status({ ...HEALTHY, fenced: ['op-a'] });
    expect(s.healthy).toBe(false);
    expect(s.primary).toBe('op-a');
    expect(s.problems).toEqual([expect.stringMatching(/^op-a: runs as primary but refuses writes \(default_transaction_read_only on\): fenced by m1-fence .*journalctl -u m1-fence/)]);
  });

  it('synchronous_replication on and a primary whose commits wait for no standby: a warning that it runs alone, not a problem', () => {
    const c = fiveNodes();
    c.clusterVars['synchronous_replication'] = 'on';
    const alone = evaluateStatus({ cluster: c, probes: probesFor(c, HEALTHY), addresses: ADDRESSES, routes: clusterRoutes(c) });
    expect(alone.healthy).toBe(true);
    expect(alone.warnings).toContainEqual(expect.stringMatching(/^op-a runs alone: its commits wait for no standby \(synchronous_replication: on/));
    const waiting = evaluateStatus({ cluster: c, probes: probesFor(c, { ...HEALTHY, synchronousStandbys: 'ANY 1 ("op-b","op-c")' }), addresses: ADDRESSES, routes: clusterRoutes(c) });
    expect(waiting.warnings.filter((w) => /runs alone/.test(w))).toEqual([]);
    expect(status(HEALTHY).warnings.filter((w) => /runs alone/.test(w))).toEqual([]);
  });

  it('WAL a rewind discarded and the rejoin kept is named with its size until removed: a warning, not a problem', () => {
    const c = fiveNodes();
    const probes = probesFor(c, HEALTHY);
    probes['op-b'] = { ...probes['op-b']!, rewound: [{ name: '20261205T233100Z-from-tl1', kib: 49152 }] };
    const s = evaluateStatus({ cluster: c, probes, addresses: ADDRESSES, routes: clusterRoutes(c) });
    expect(s.healthy).toBe(true);
    expect(s.warnings).toContain('op-b keeps WAL a rewind discarded in /var/lib/postgresql/m1-rewound/20261205T233100Z-from-tl1 (48.0 MB): read it (pg_waldump), then remove the directory');
    expect(status(HEALTHY).warnings.filter((w) => /rewind/.test(w))).toEqual([]);
  });

  it('two primaries: split brain is a problem and neither is taken as the primary', () => {
    const s = status({ ...HEALTHY, alsoPrimary: ['op-c'], upstreams: { 'op-b': 'op-a', 'op-d': 'op-b' } });
    expect(s.primary).toBeUndefined();
    expect(s.primaries).toEqual(['op-a', 'op-c']);
    expect(s.problems.some((p) => p.startsWith('2 data nodes run as primary (op-a, op-c): split brain'))).toBe(true);
  });

  it("lists the primary's slots with the WAL each holds, and warns (not degraded) about one holding more than 1 GiB", () => {
    const c = fiveNodes();
    const probes = probesFor(c, HEALTHY);
    probes['op-a']!.slots = [
      { name: 'backup_op_e', type: 'physical', active: true, restartLsn: '0/7000000', heldBytes: 4096 },
      { name: 'repmgr_slot_3', type: 'physical', active: false, restartLsn: '0/2000028', heldBytes: 3 * 1024 ** 3 },
    ];
    const s = evaluateStatus({ cluster: c, probes, addresses: ADDRESSES, routes: clusterRoutes(c) });
    expect(s.slots).toEqual([
      { host: 'op-a', name: 'backup_op_e', active: true, heldBytes: 4096 },
      { host: 'op-a', name: 'repmgr_slot_3', active: false, heldBytes: 3 * 1024 ** 3 },
    ]);
    expect(s.healthy).toBe(true);
    const warning = s.warnings.find((w) => w.startsWith('replication slot repmgr_slot_3 on op-a holds 3.0 GB'));
    expect(warning).toMatch(/nobody streams from it; past max_slot_wal_keep_size/);
    expect(s.warnings.some((w) => w.includes('backup_op_e'))).toBe(false);
    const text = formatStatus(s);
    expect(text).toMatch(/replication slots on op-a:/);
    expect(text).toMatch(/repmgr_slot_3\s+NO\s+3\.0 GB/);
  });

  it('repmgr disagreeing with Postgres about the primary is a problem', () => {
    const s = status({ ...HEALTHY, repmgrPrimary: 'op-b' });
    expect(s.problems).toContain('repmgr (asked on op-a) takes op-b for the primary, but Postgres on op-a is the primary');
  });

  it("Patroni: a member's own state counts over its DCS record, which lags up to loop_wait after a switchover", () => {
    const c = { ...fiveNodes(), failoverManager: 'patroni' as const };
    const dcs = (state: string) => ({
      leader: 'op-a',
      paused: false,
      members: [
        { name: 'op-a', role: 'leader', state: 'running', pendingRestart: false },
        { name: 'op-b', role: 'replica', state, pendingRestart: false },
        { name: 'op-c', role: 'replica', state: 'running', pendingRestart: false },
        { name: 'op-d', role: 'replica', state: 'running', pendingRestart: false },
      ],
    });
    const evaluate = (ownB: string | undefined) => {
      const probes = probesFor(fiveNodes(), HEALTHY);
      probes['op-a']!.patroni = dcs('stopped');
      if (ownB) probes['op-b']!.patroniSelf = { state: ownB, role: 'replica', paused: false };
      return evaluateStatus({ cluster: c, probes, addresses: ADDRESSES, routes: [] });
    };
    // The demoted leader runs and streams again, its record still says stopped: not a problem.
    const caughtUp = evaluate('running');
    expect(caughtUp.fm.nodes.find((n) => n.name === 'op-b')?.state).toBe('running');
    expect(caughtUp.problems.filter((p) => p.startsWith('Patroni'))).toEqual([]);
    // Its own Patroni says stopped too, or does not answer: the problem stands.
    expect(evaluate('stopped').problems).toContain('Patroni sees op-b as replica stopped');
    expect(evaluate(undefined).problems).toContain('Patroni sees op-b as replica stopped');
  });

  it('a replica in recovery without a WAL receiver is not streaming', () => {
    const s = status({ ...HEALTHY, notStreaming: ['op-b'] });
    expect(s.problems).toContain('op-b: in recovery but not streaming from op-a (WAL receiver: none)');
  });

  it('PgBouncer and Barman left on the old primary after a failover are problems; the drift is a warning', () => {
    const s = status({ primary: 'op-b', upstreams: { 'op-c': 'op-b', 'op-d': 'op-b' }, stopped: ['op-a'], pgbouncerTarget: 'op-a', barmanTarget: 'op-a' });
    expect(s.primary).toBe('op-b');
    expect(s.problems).toContain('PgBouncer op-b:6432: sends clients to op-a, not the primary op-b');
    expect(s.problems).toContain('Barman server op on op-e backs up op-a, not the primary op-b; run m1 deploy to retarget it');
    expect(s.drift).toContain('op-b is the primary now; config.yml names op-a (config.yml is left as it is)');
    expect(s.warnings).not.toContain('op-b is the primary now; config.yml names op-a (config.yml is left as it is)');
  });

  it('a failing barman check is a problem naming the failed checks', () => {
    const s = status({ ...HEALTHY, barmanCheckFails: 'receive-wal running' });
    expect(s.problems).toEqual(['barman check op on op-e fails: receive-wal running: FAILED (broken)']);
  });

  it('a client that reaches a read-only server through PgBouncer fails the route', () => {
    const ok: RouteAnswer = { id: 'pgbouncer:op-a', ok: true, inRecovery: false, clusterName: 'op-a', output: '' };
    const s = status(HEALTHY, {
      'pgbouncer:op-a': ok,
      'pgbouncer:op-b': { id: 'pgbouncer:op-b', ok: true, inRecovery: true, clusterName: 'op-c', output: '' },
      'pgbouncer:op-c': { id: 'pgbouncer:op-c', ok: false, output: '', error: 'connection to server at "op-c" (10.0.0.3), port 6432 failed: Connection refused' },
    });
    expect(s.routes.find((r) => r.id === 'pgbouncer:op-a')).toMatchObject({ ok: true, reaches: 'op-a', reachesPrimary: true });
    expect(s.problems).toEqual([
      'PgBouncer op-b:6432: a client reaches op-c (read-only), not the primary op-a',
      'PgBouncer op-c:6432: a client cannot get through: connection to server at "op-c" (10.0.0.3), port 6432 failed: Connection refused',
    ]);
  });

  it('formats a table a person can read, ending with the verdict', () => {
    const text = formatStatus(status({ ...HEALTHY, stopped: ['op-c'] }), new Date('2026-01-01T03:00:10Z'));
    expect(text).toMatch(/^cluster op: PostgreSQL 15, repmgr; primary op-a \(timeline 2\)/);
    expect(text).toMatch(/op-c\s+down, pgbouncer/);
    expect(text).toContain('postgres INACTIVE');
    expect(text).toContain('barman op on op-e: backs up op-a; 1 backup, last backup 20260101T000000 DONE timeline 1 3 h ago; check OK');
    expect(text.trimEnd().split('\n').slice(-3)).toEqual(['DEGRADED:', '  - op-c: Postgres is not running (no server socket)', '  - repmgr sees op-c as unreachable']);
  });

  it('says when no node answered for the failover manager, rather than that it has no primary', () => {
    const s = status(HEALTHY);
    expect(formatStatus(s, new Date('2026-01-01T03:00:10Z'))).toMatch(/^repmgr \(as seen from op-a\): primary op-a$/m);
    const text = formatStatus({ ...s, fm: { manager: 'efm', nodes: [] } }, new Date('2026-01-01T03:00:10Z'));
    expect(text).toMatch(/^efm: no node answered \(is it installed and running\?\)$/m);
  });
});

describe('a repmgr cluster without a replica (m1 restore\'s default copy)', () => {
  it('runs no repmgr: status expects neither repmgrd nor its view, says so, and m1 test has no repmgr rows', async () => {
    const c = testCluster({
      name: 'op',
      instances: [
        { name: 'op-a', roles: ['primary'], backup: 'op-e' },
        { name: 'op-e', roles: ['barman', 'log-server'] },
      ],
    });
    const s = evaluateStatus({ cluster: c, probes: probesFor(c, { primary: 'op-a', upstreams: {} }), addresses: ADDRESSES, routes: clusterRoutes(c) });
    expect(s.problems.filter((p) => /repmgr/.test(p))).toEqual([]);
    expect(s.fm.idle).toBe(true);
    expect(Object.keys(s.hosts.find((h) => h.host === 'op-a')!.services)).not.toContain('repmgr');
    expect(formatStatus(s)).toContain('repmgr: not run (no replica to fail over to)');
    const { managerRows } = await import('../../../playbooks/operate/check/run.js');
    expect(managerRows(c, { status: s } as Parameters<typeof managerRows>[1])).toEqual([]);
    // With a replica, a missing view is still a problem.
    const full = fiveNodes();
    expect(evaluateStatus({ cluster: full, probes: probesFor(full, HEALTHY), addresses: ADDRESSES, routes: clusterRoutes(full) }).fm.idle).toBeUndefined();
  });
});
