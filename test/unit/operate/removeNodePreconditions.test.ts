import { describe, expect, it } from 'vitest';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { clusterRoutes } from '../../../playbooks/operate/routes.js';
import { checkRemoveNode, type RemovalPlan } from '../../../playbooks/operate/removeNode/preconditions.js';
import { leftOver } from '../../../playbooks/operate/removeNode/run.js';
import { removalSteps } from '../../../playbooks/operate/removeNode/steps.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import type { RemovedRecord } from '../../../src/inventory/removed.js';
import { MANAGERS } from '../../../roles/managers.js';
import type { NodeRemoval } from '../../../roles/failoverManager.js';
import { testCluster } from '../../support/testCluster.js';
import { efmPaths, efmVersion } from '../../../src/products/efm/version.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';

const NONE: RemovedRecord = { removed: [] };

function check(host: string, live: LiveSpec, opts: { manager?: (typeof MANAGERS)[keyof typeof MANAGERS]; record?: RemovedRecord; cluster?: Cluster } = {}) {
  const c = opts.cluster ?? fiveNodes();
  const s = evaluateStatus({ cluster: c, probes: probesFor(c, live), addresses: ADDRESSES, routes: clusterRoutes(c) });
  return checkRemoveNode(c, opts.manager ?? MANAGERS.repmgr, s, opts.record ?? NONE, host);
}

/** a: primary + pgbouncer; b, c: replicas of a + pgbouncer; d: cascaded from b; e: barman + witness. */
describe('m1 remove-node preconditions (fiveNodes: d cascades from b)', () => {
  const plans: [string, string, LiveSpec, Partial<RemovalPlan>][] = [
    [
      'a cascaded replica’s upstream: its replica follows the upstream’s own upstream first; slot on the primary',
      'op-b',
      HEALTHY,
      { host: 'op-b', node: 2, primary: 'op-a', upstream: 'op-a', downstream: ['op-d'], reachable: true, unregister: true, slot: { name: 'repmgr_slot_2', hosts: ['op-a'] }, units: ['m1-fence', 'repmgr', 'postgres', 'pgbouncer'] },
    ],
    [
      'a cascaded replica: nobody to re-point; its slot is on its upstream (and looked for on the primary)',
      'op-d',
      HEALTHY,
      { host: 'op-d', upstream: 'op-b', downstream: [], slot: { name: 'repmgr_slot_4', hosts: ['op-b', 'op-a'] }, units: ['m1-fence', 'repmgr', 'postgres'] },
    ],
    [
      'after a failover (b primary, c under b, d under c): d follows b when c goes',
      'op-c',
      { primary: 'op-b', upstreams: { 'op-a': 'op-b', 'op-c': 'op-b', 'op-d': 'op-c' } },
      { primary: 'op-b', upstream: 'op-b', downstream: ['op-d'] },
    ],
    [
      'an unreachable replica: still unregistered and its slot dropped, its services not stopped',
      'op-c',
      { ...HEALTHY, unreachable: ['op-c'] },
      { reachable: false, unreachableBecause: 'timed out after 5 s connecting to 10.0.0.1:22', unregister: true, upstream: 'op-a', slot: { name: 'repmgr_slot_3', hosts: ['op-a'] } },
    ],
    [
      'a stopped upstream: the cascaded replica’s own upstream is not streaming, so its replicas (none) and slot fall back to the primary',
      'op-d',
      { ...HEALTHY, stopped: ['op-d'] },
      { upstream: 'op-a', reachable: true, slot: { name: 'repmgr_slot_4', hosts: ['op-a'] } },
    ],
  ];
  it.each(plans)('%s', (_what, host, live, want) => {
    const d = check(host, live);
    expect(d.kind).toBe('remove');
    expect(d).toMatchObject(want);
  });

  const refusals: [string, string, LiveSpec, RegExp, Parameters<typeof check>[2]?][] = [
    ['the live primary: switch over first', 'op-b', { primary: 'op-b', upstreams: { 'op-a': 'op-b', 'op-c': 'op-b', 'op-d': 'op-c' } }, /^op-b is the primary: switch over to one of its replicas first \(m1 switchover .* <replica>\)/],
    ['config.yml’s primary, a standby after a failover: config.yml would have none', 'op-a', { primary: 'op-b', upstreams: { 'op-a': 'op-b', 'op-c': 'op-b', 'op-d': 'op-c' } }, /^config\.yml names op-a the primary .*m1 switchover/],
    ['the Barman host', 'op-e', HEALTHY, /^op-e is the Barman host \(barman \+ log-server \+ witness\)/],
    ['the only replica left', 'op-b', HEALTHY, /^op-b is the only replica left/, { record: { removed: [{ name: 'op-c', node: 3, removedAt: '2026-01-01T00:00:00Z' }, { name: 'op-d', node: 4, removedAt: '2026-01-01T00:00:00Z' }] } }],
    ['no primary runs', 'op-c', { ...HEALTHY, stopped: ['op-a'] }, /^no data node runs as primary/],
    ['split brain', 'op-c', { ...HEALTHY, alsoPrimary: ['op-b'] }, /^2 data nodes run as primary \(op-a, op-b\)/],
  ];
  it.each(refusals)('refused, nothing changed: %s', (_what, host, live, reason, opts) => {
    expect(check(host, live, opts)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(reason) });
  });

  it('a witness whose loss leaves fewer than 3 voters is refused; with enough voters it is taken out (unregistered, no slot)', () => {
    const small = testCluster({ name: 'w', instances: [{ name: 'w-a', roles: ['primary'] }, { name: 'w-b', roles: ['replica'], upstream: 'w-a' }, { name: 'w-w', roles: ['witness'], upstream: 'w-a' }, { name: 'w-k', roles: ['barman'] }] });
    const live: LiveSpec = { primary: 'w-a', upstreams: { 'w-b': 'w-a' } };
    expect(check('w-w', live, { cluster: small })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^w-w is a witness: without it 2 voters would be left \(w-a, w-b\), fewer than 3/) });
    const big = testCluster({ name: 'w', instances: [...small.instances.map((i) => ({ name: i.name, roles: i.roles, upstream: i.upstream })), { name: 'w-c', roles: ['replica'], upstream: 'w-a' }] });
    expect(check('w-w', { primary: 'w-a', upstreams: { 'w-b': 'w-a', 'w-c': 'w-a' } }, { cluster: big })).toMatchObject({ kind: 'remove', downstream: [], unregister: true, units: ['m1-fence', 'repmgr', 'postgres'] });
    expect(check('w-w', { primary: 'w-a', upstreams: { 'w-b': 'w-a', 'w-c': 'w-a' } }, { cluster: big })).not.toHaveProperty('slot');
  });

  it('an etcd member whose loss leaves fewer than 3 is refused before Patroni’s exit 2 (nothing to do by hand either)', () => {
    const etcd = testCluster({
      name: 'e',
      instances: [
        { name: 'e-a', roles: ['primary'] },
        { name: 'e-b', roles: ['replica'], upstream: 'e-a' },
        { name: 'e-c', roles: ['replica'], upstream: 'e-a' },
        { name: 'e-1', roles: ['etcd'] },
        { name: 'e-2', roles: ['etcd'] },
        { name: 'e-3', roles: ['etcd'] },
        { name: 'e-k', roles: ['barman'] },
      ],
    });
    const live: LiveSpec = { primary: 'e-a', upstreams: { 'e-b': 'e-a', 'e-c': 'e-a' } };
    expect(check('e-2', live, { cluster: etcd, manager: MANAGERS.patroni })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^e-2 is an etcd member: without it 2 voters would be left \(e-1, e-3\), fewer than 3/) });
    expect(check('e-b', live, { cluster: etcd, manager: MANAGERS.patroni })).toMatchObject({ kind: 'remove', units: ['patroni@e', 'postgres'], slot: { name: 'e_b', hosts: ['e-a'] } });
  });

  it('usage (exit 2): an unknown name lists the instances; a host that is neither replica nor witness', () => {
    expect(check('op-z', HEALTHY)).toEqual({ kind: 'usage', reason: 'op-z is not an instance of cluster op; its instances are op-a, op-b, op-c, op-d, op-e' });
    const pgb = testCluster({ name: 'p', instances: [{ name: 'p-a', roles: ['primary'] }, { name: 'p-b', roles: ['replica'] }, { name: 'p-c', roles: ['replica'] }, { name: 'p-x', roles: ['pgbouncer'] }, { name: 'p-k', roles: ['barman'] }] });
    expect(check('p-x', { primary: 'p-a', upstreams: { 'p-b': 'p-a', 'p-c': 'p-a' } }, { cluster: pgb })).toMatchObject({ kind: 'usage', reason: expect.stringMatching(/^p-x is not a replica or a witness \(pgbouncer\)/) });
  });

  it('a rerun: removed before, nothing to do; removed but the other hosts not yet deployed, that deploy again', () => {
    const entry = { name: 'op-c', node: 3, removedAt: '2026-03-04T05:06:07.000Z' };
    expect(check('op-c', HEALTHY, { record: { removed: [entry] } })).toEqual({ kind: 'nothing', reason: expect.stringMatching(/^op-c was removed on 2026-03-04 \(.*removed\.json\): nothing to do$/) });
    expect(check('op-c', HEALTHY, { record: { removed: [{ ...entry, othersPending: true }] } })).toEqual({ kind: 'finish', entry: { ...entry, othersPending: true } });
  });

  it('the primary unreachable: exit 1, nothing done', () => {
    expect(check('op-c', { ...HEALTHY, unreachable: ['op-a'] })).toMatchObject({ kind: 'unreachable', reason: expect.stringMatching(/^no data node answers as primary, and op-a \(timed out .*\) cannot be reached over SSH/) });
  });
});

describe('m1 remove-node steps and the check after them', () => {
  it('in order: the cascaded replica follows, the node stops, repmgr forgets it on the primary, its slot goes', () => {
    const c = fiveNodes();
    const plan = check('op-b', HEALTHY) as RemovalPlan;
    const steps = removalSteps(c, MANAGERS.repmgr.removal as NodeRemoval, plan);
    expect(steps.map((s) => [s.host, s.name])).toEqual([
      ['op-d', 'op-d follows op-a instead of op-b'],
      ['op-b', 'stop and disable m1-fence, repmgr, postgres, pgbouncer on op-b'],
      ['op-a', 'unregister op-b (node 2) on op-a'],
      ['op-e', "forget op-b (node 2) in op-e's copy of repmgr.nodes"],
      ['op-a', 'drop replication slot repmgr_slot_2 on op-a'],
    ]);
    expect(steps[3]!.command).toContain('UPDATE repmgr.nodes SET upstream_node_id = 1 WHERE upstream_node_id = 2;');
    expect(steps[3]!.command).toContain('DELETE FROM repmgr.nodes WHERE node_id = 2;');
    expect(steps[0]!.command).toContain("standby follow --wait --upstream-node-id=1");
    expect(steps[2]!.command).toContain("standby unregister --node-id=2");
  });

  it('an unreachable node: no stop step, still unregistered (and in the witness\'s copy); a witness is unregistered as a witness', () => {
    const c = fiveNodes();
    const plan = check('op-c', { ...HEALTHY, unreachable: ['op-c'] }) as RemovalPlan;
    expect(removalSteps(c, MANAGERS.repmgr.removal as NodeRemoval, plan).map((s) => s.name)).toEqual([
      'unregister op-c (node 3) on op-a',
      "forget op-c (node 3) in op-e's copy of repmgr.nodes",
      'drop replication slot repmgr_slot_3 on op-a',
    ]);
    // A witness that does not answer is left to catch up from the primary by itself.
    const witnessDown = check('op-c', { ...HEALTHY, unreachable: ['op-c', 'op-e'] }) as RemovalPlan;
    expect(witnessDown.unreachableOthers).toEqual(['op-e']);
    expect(removalSteps(c, MANAGERS.repmgr.removal as NodeRemoval, witnessDown).map((s) => s.host)).toEqual(['op-a', 'op-a']);
    const witness = (MANAGERS.repmgr.removal as NodeRemoval).unregister(c, c.instances.find((i) => i.name === 'op-e')!);
    expect(witness.command).toContain('witness unregister --node-id=5');
  });

  it('after the steps: what is left is said (not streaming from the new upstream, still listed, slot left); nothing when done', () => {
    const c = fiveNodes();
    const plan = check('op-b', HEALTHY) as RemovalPlan;
    const before = evaluateStatus({ cluster: c, probes: probesFor(c, HEALTHY), addresses: ADDRESSES, routes: clusterRoutes(c) });
    expect(leftOver(plan, before, { 'op-a': ['repmgr_slot_2'] })).toEqual(['op-d does not stream from op-a (replica, upstream op-b, streaming)', 'repmgr on op-a still lists op-b', 'slot repmgr_slot_2 is still on op-a']);
    const done: LiveSpec = { primary: 'op-a', upstreams: { 'op-c': 'op-a', 'op-d': 'op-a' }, unreachable: ['op-b'] };
    const after = evaluateStatus({ cluster: c, probes: probesFor(c, done), addresses: ADDRESSES, routes: clusterRoutes(c) });
    after.fm.nodes = after.fm.nodes.filter((n) => n.name !== 'op-b');
    expect(leftOver(plan, after, { 'op-a': [] })).toEqual([]);
  });
});

describe('m1 remove-node on Patroni (fiveNodes read as Patroni members: d cascades from b)', () => {
  const patroni = (host: string, live: LiveSpec = HEALTHY) => check(host, live, { manager: MANAGERS.patroni });

  it('a cascaded replica’s upstream: its replica follows the primary first (replicatefrom), Patroni stopped, the member forgotten on the leader, its slot dropped there', () => {
    const c = fiveNodes();
    const plan = patroni('op-b') as RemovalPlan;
    expect(plan).toMatchObject({ kind: 'remove', upstream: 'op-a', downstream: ['op-d'], unregister: true, units: ['patroni@op', 'postgres', 'pgbouncer'], slot: { name: 'op_b', hosts: ['op-a'] } });
    const steps = removalSteps(c, MANAGERS.patroni.removal as NodeRemoval, plan);
    expect(steps.map((s) => [s.host, s.name])).toEqual([
      ['op-d', 'op-d follows op-a instead of op-b'],
      ['op-b', 'stop and disable patroni@op, postgres, pgbouncer on op-b'],
      ['op-a', 'unregister op-b (node 2) on op-a'],
      ['op-a', 'drop replication slot op_b on op-a'],
    ]);
    expect(steps[0]!.command).toContain("replicatefrom: op-a/");
    expect(steps[0]!.command).toContain(`'streaming|${c.instances[0]!.ipAddress}'`);
    expect(steps[2]!.command).toContain('edit-config --force --quiet -s slots.op_b=null');
    // the member key lives on until its lease runs out: ttl 20 + loop_wait 10 + 10
    expect(steps[2]!.command).toContain('[ $i -ge 40 ]');
    expect(steps[2]!.timeoutMs).toBe(70_000);
  });

  it('a cascaded replica: its slot on its upstream (where Patroni keeps it for replicatefrom members) and the leader (permanent)', () => {
    expect(patroni('op-d')).toMatchObject({ upstream: 'op-b', downstream: [], slot: { name: 'op_d', hosts: ['op-b', 'op-a'] } });
  });

  it('a member down for longer than ttl (no longer listed): its permanent slot still leaves the DCS (unregister runs), no stop step', () => {
    const c = fiveNodes();
    const s = evaluateStatus({ cluster: c, probes: probesFor(c, { ...HEALTHY, unreachable: ['op-c'] }), addresses: ADDRESSES, routes: clusterRoutes(c) });
    s.fm = { ...s.fm, from: 'op-a', nodes: s.fm.nodes.filter((n) => n.name !== 'op-c') };
    const plan = checkRemoveNode(c, MANAGERS.patroni, s, NONE, 'op-c') as RemovalPlan;
    expect(plan).toMatchObject({ kind: 'remove', reachable: false, unregister: true });
    expect(removalSteps(c, MANAGERS.patroni.removal as NodeRemoval, plan).map((x) => x.name)).toEqual(['unregister op-c (node 3) on op-a', 'drop replication slot op_c on op-a']);
    // repmgr's unregister needs the record: not run once repmgr no longer lists the node
    expect(checkRemoveNode(c, MANAGERS.repmgr, s, NONE, 'op-c')).toMatchObject({ unregister: false });
  });

  it('refused while automatic failover is paused: a Patroni stopped while paused leaves its Postgres running', () => {
    const c = fiveNodes();
    const s = evaluateStatus({ cluster: c, probes: probesFor(c, HEALTHY), addresses: ADDRESSES, routes: clusterRoutes(c) });
    s.fm.paused = true;
    expect(checkRemoveNode(c, MANAGERS.patroni, s, NONE, 'op-c')).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^automatic failover is paused \(Patroni\).*m1 resume .* first/) });
  });

  it('a data node that is also an etcd member: exit 2 (its etcd membership is not changed), whatever the voters', () => {
    const c = testCluster({
      name: 'x',
      instances: [
        { name: 'x-a', roles: ['primary', 'etcd'] },
        { name: 'x-b', roles: ['replica', 'etcd'], upstream: 'x-a' },
        { name: 'x-c', roles: ['replica', 'etcd'], upstream: 'x-a' },
        { name: 'x-d', roles: ['replica', 'etcd'], upstream: 'x-a' },
        { name: 'x-k', roles: ['barman'] },
      ],
    });
    const live: LiveSpec = { primary: 'x-a', upstreams: { 'x-b': 'x-a', 'x-c': 'x-a', 'x-d': 'x-a' } };
    expect(check('x-d', live, { cluster: c, manager: MANAGERS.patroni })).toMatchObject({ kind: 'usage', reason: expect.stringMatching(/^x-d is also an etcd member \(replica \+ etcd\): m1 remove-node does not change etcd's membership/) });
  });
});

describe('m1 remove-node on EFM (fiveNodes read as EFM nodes; unit tests only: EFM is not installed here)', () => {
  it('a cascaded replica’s upstream: its replica gets its slot on the primary and primary_conninfo naming it, the agent and Postgres stop, disallow-node on the primary, the slot dropped', () => {
    const c = fiveNodes();
    const plan = check('op-b', HEALTHY, { manager: MANAGERS.efm }) as RemovalPlan;
    const efm = efmPaths(efmVersion(c)).serviceName;
    expect(plan).toMatchObject({ kind: 'remove', upstream: 'op-a', downstream: ['op-d'], units: [efm, 'postgres', 'pgbouncer'], slot: { name: 'op_b', hosts: ['op-a'] } });
    const steps = removalSteps(c, MANAGERS.efm.removal as NodeRemoval, plan);
    expect(steps.map((x) => [x.host, x.name])).toEqual([
      ['op-d', 'op-d follows op-a instead of op-b'],
      ['op-b', `stop and disable ${efm}, postgres, pgbouncer on op-b`],
      ['op-a', 'unregister op-b (node 2) on op-a'],
      ['op-a', 'drop replication slot op_b on op-a'],
    ]);
    expect(steps[0]!.command).toMatch(/pg_receivewal -d .*host=op-a .*application_name=op-d .* --create-slot --if-not-exists -S op_d -w/);
    expect(steps[2]!.command).toContain(`disallow-node op ${c.instances[1]!.ipAddress}`);
  });

  it('a witness (enough voters left): its agent stopped, no Postgres unit, disallow-node, no slot', () => {
    const small = testCluster({ name: 'w', instances: [{ name: 'w-a', roles: ['primary'] }, { name: 'w-b', roles: ['replica'], upstream: 'w-a' }, { name: 'w-c', roles: ['replica'], upstream: 'w-a' }, { name: 'w-w', roles: ['witness'], upstream: 'w-a' }, { name: 'w-k', roles: ['barman'] }] });
    const plan = check('w-w', { primary: 'w-a', upstreams: { 'w-b': 'w-a', 'w-c': 'w-a' } }, { cluster: small, manager: MANAGERS.efm }) as RemovalPlan;
    expect(plan).toMatchObject({ kind: 'remove', units: [efmPaths(efmVersion(small)).serviceName], unregister: true });
    expect(plan).not.toHaveProperty('slot');
  });
});
