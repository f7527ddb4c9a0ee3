/**
 * m1 pause / resume: how status shows a paused cluster (a warning) or one
 * paused on some members only (degraded), and setFailoverPaused against
 * scripted repmgr hosts: the command runs once on the primary, an already
 * paused cluster runs nothing, a resume without a primary is refused, a node
 * that stays unpaused is named (exit 1), and withFailoverPaused resumes after
 * its work, also after a failure, unless a person had paused before.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeConnector } from '../../../src/engine/connectors/fake.js';
import type { Connector } from '../../../src/engine/index.js';
import { RefusedError } from '../../../src/errors.js';
import type { OpenCluster } from '../../../playbooks/operate/cluster.js';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { formatStatus } from '../../../playbooks/operate/formatStatus.js';
import { clusterRoutes } from '../../../playbooks/operate/routes.js';
import { describePause, pauseHost, setFailoverPaused, withFailoverPaused } from '../../../playbooks/operate/pause.js';
import { repmgrSteps } from '../../../roles/repmgr/switchover.js';
import { testCluster } from '../../support/testCluster.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, probeTexts, type LiveSpec } from './fixtures.js';

const ALL = ['op-a', 'op-b', 'op-c', 'op-d', 'op-e'];

function status(live: LiveSpec) {
  const c = fiveNodes();
  return evaluateStatus({ cluster: c, probes: probesFor(c, live), addresses: ADDRESSES, routes: clusterRoutes(c) });
}

describe('m1 status and a paused cluster', () => {
  it('every member paused: a warning naming m1 resume, in the header too; not degraded (exit 0)', () => {
    const s = status({ ...HEALTHY, paused: ALL });
    expect(s.failover).toEqual({ state: 'paused', paused: ALL, active: [] });
    expect(s.healthy).toBe(true);
    expect(s.warnings).toContainEqual(expect.stringMatching(/^automatic failover is PAUSED \(repmgr, every member\): a failed primary is not replaced; `m1 resume .*` turns it back on$/));
    expect(formatStatus(s)).toMatch(/^cluster op: PostgreSQL 15, repmgr; primary op-a \(timeline 2\); automatic failover PAUSED\n/);
    // The repmgrd column still says running: the daemon runs, paused.
    expect(s.fm.nodes.find((n) => n.name === 'op-b')).toMatchObject({ daemon: 'paused', paused: true });
  });

  it('not paused: nothing said', () => {
    const s = status(HEALTHY);
    expect(s.failover.state).toBe('active');
    expect(s.warnings.filter((w) => /failover/.test(w))).toEqual([]);
    expect(formatStatus(s).split('\n')[0]).not.toMatch(/PAUSED/);
  });

  it('paused on some members only: degraded, naming who is which and the fix', () => {
    const s = status({ ...HEALTHY, paused: ['op-a', 'op-b'] });
    expect(s.failover.state).toBe('mixed');
    expect(s.healthy).toBe(false);
    expect(s.problems).toContain(
      'automatic failover is paused on op-a, op-b and not on op-c, op-d, op-e: after a failure the members would not act alike; `m1 pause` or `m1 resume` sets every member the same',
    );
    expect(formatStatus(s).split('\n')[0]).toMatch(/automatic failover PAUSED ON SOME MEMBERS$/);
  });

  it('Patroni: the DCS pause and each member\'s own word', () => {
    const c = { ...fiveNodes(), failoverManager: 'patroni' as const };
    const probes = probesFor(fiveNodes(), HEALTHY);
    const members = ['op-a', 'op-b', 'op-c', 'op-d'];
    const evaluate = (dcs: boolean, own: boolean) => {
      probes['op-a']!.patroni = { leader: 'op-a', paused: dcs, members: members.map((m) => ({ name: m, role: m === 'op-a' ? 'leader' : 'replica', state: 'running', pendingRestart: false })) };
      for (const m of members) probes[m]!.patroniSelf = { state: 'running', role: m === 'op-a' ? 'master' : 'replica', paused: own || (dcs && m === 'op-a') };
      return evaluateStatus({ cluster: c, probes, addresses: ADDRESSES, routes: [] });
    };
    expect(evaluate(true, true).failover.state).toBe('paused');
    expect(evaluate(true, true).warnings).toContainEqual(expect.stringMatching(/^automatic failover is PAUSED \(Patroni, every member\)/));
    // Right after the PATCH, before the replicas' next loop.
    expect(evaluate(true, false).problems).toContainEqual(expect.stringMatching(/^automatic failover is paused on op-a and not on op-b, op-c, op-d/));
    expect(evaluate(false, false).failover.state).toBe('active');
  });
});

describe('the report of a pause', () => {
  it('says every member when each said, and who did not', () => {
    expect(describePause({ state: 'paused', paused: ['a', 'b'], active: [] }, {}, ['a', 'b'])).toBe('PAUSED on every member (a, b)');
    expect(describePause({ state: 'paused', paused: ['a'], active: [] }, {}, ['a', 'b'])).toBe('PAUSED on a; b did not say (unreachable, or its manager does not answer)');
    expect(describePause({ state: 'active', paused: [], active: ['a', 'b'] }, {}, ['a', 'b'])).toBe('active on every member (a, b)');
    expect(describePause({ state: 'mixed', paused: [], active: ['b'] }, { paused: true }, ['b'])).toBe('paused in the DCS, not yet on b');
  });

  it('runs the command on the primary, else on a member that answered for itself', () => {
    const c = fiveNodes();
    expect(pauseHost(c, status(HEALTHY))).toBe('op-a');
    expect(pauseHost(c, status({ ...HEALTHY, stopped: ['op-a'] }))).toBe('op-b');
  });
});

describe('repmgr switchover on a paused cluster', () => {
  it('leaves the pause: no unpause after it (repmgr 5.3 keeps a paused node paused)', () => {
    const c = fiveNodes();
    expect(repmgrSteps(c, 'op-b').map((s) => s.name)).toEqual(['repmgr standby switchover --siblings-follow on op-b', 'unpause repmgrd on every node']);
    expect(repmgrSteps(c, 'op-b', true).map((s) => s.name)).toEqual(['repmgr standby switchover --siblings-follow on op-b']);
  });
});

const dir = mkdtempSync(join(tmpdir(), 'm1-op-pause-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tri = testCluster({
  name: 'tri',
  dir,
  instances: [
    { name: 'tri-a', roles: ['primary'] },
    { name: 'tri-b', roles: ['replica'], upstream: 'tri-a' },
    { name: 'tri-c', roles: ['replica'], upstream: 'tri-a' },
  ],
});

/** Hosts that answer the probe with who is paused; `service pause|unpause` sets every node it reaches (not `unreachable` ones). */
function scripted(start: { paused?: string[]; stopped?: string[]; stayActive?: string[] } = {}) {
  let paused = new Set(start.paused ?? []);
  const live = (): LiveSpec => ({ primary: 'tri-a', upstreams: { 'tri-b': 'tri-a', 'tri-c': 'tri-a' }, paused: [...paused], stopped: start.stopped ?? [] });
  const connectors = new Map<string, FakeConnector>(
    tri.instances.map((i) => {
      const c = new FakeConnector(i.name);
      c.on(/m1:svc=/, () => ({ stdout: probeTexts(tri, live())[i.name] }));
      c.on(/service (un)?pause/, (cmd) => {
        const on = !/unpause/.test(cmd);
        paused = new Set(on ? tri.instances.map((x) => x.name).filter((n) => !(start.stayActive ?? []).includes(n)) : []);
        return start.stayActive?.length ? { code: 26, stderr: 'WARNING: unable to connect to node 3\nERROR: unable to pause 1 node(s)\n' } : { stdout: 'NOTICE: paused\n' };
      });
      return [i.name, c];
    }),
  );
  const oc: OpenCluster = {
    cluster: tri,
    inventory: { cluster: 'tri', platform: 'docker', privateKeyFile: 'k', knownHostsFile: 'kh', hosts: [] },
    configWarnings: [],
    addresses: {},
    connectors: connectors as Map<string, Connector>,
    extraConnectors: () => connectors as Map<string, Connector>,
    close: async () => undefined,
  };
  const ran = () => [...connectors.values()].flatMap((c) => c.commands.map((x) => x.command).filter((x) => /service (un)?pause/.test(x)).map((x) => `${c.host}: ${/unpause/.test(x) ? 'unpause' : 'pause'}`));
  return { oc, ran, isPaused: () => [...paused].sort() };
}

describe('setFailoverPaused (scripted repmgr hosts)', () => {
  it('pauses with one command on the primary, then reads every node paused', async () => {
    const h = scripted();
    const lines: string[] = [];
    const out = await setFailoverPaused(h.oc, true, { write: (l) => lines.push(l), pollMs: 1 });
    expect(out).toMatchObject({ exitCode: 0, wanted: 'paused', changed: true, ranOn: 'tri-a', problems: [] });
    expect(out.before.state).toBe('active');
    expect(out.after).toEqual({ state: 'paused', paused: ['tri-a', 'tri-b', 'tri-c'], active: [] });
    expect(h.ran()).toEqual(['tri-a: pause']);
    expect(lines.join('')).toMatch(/^repmgr service pause on tri-a \.\.\.\nautomatic failover PAUSED on every member \(tri-a, tri-b, tri-c\) \(\d+\.\d s\)\n$/);
  });

  it('is idempotent: an already paused cluster runs nothing (exit 0)', async () => {
    const h = scripted({ paused: ['tri-a', 'tri-b', 'tri-c'] });
    const out = await setFailoverPaused(h.oc, true, { pollMs: 1 });
    expect(out).toMatchObject({ exitCode: 0, changed: false });
    expect(h.ran()).toEqual([]);
    const back = await setFailoverPaused(h.oc, false, { pollMs: 1 });
    expect(back).toMatchObject({ exitCode: 0, changed: true, after: { state: 'active' } });
    expect((await setFailoverPaused(h.oc, false, { pollMs: 1 })).changed).toBe(false);
    expect(h.ran()).toEqual(['tri-a: unpause']);
  });

  it('a node repmgr could not reach stays unpaused: exit 1 naming it and repmgr\'s warning', async () => {
    const h = scripted({ stayActive: ['tri-c'] });
    const out = await setFailoverPaused(h.oc, true, { pollMs: 1, settleMs: 50 });
    expect(out.exitCode).toBe(1);
    expect(out.after.state).toBe('mixed');
    expect(out.problems).toEqual([
      'repmgr service pause on tri-a: a node could not be reached: WARNING: unable to connect to node 3; ERROR: unable to pause 1 node(s)',
      'automatic failover is paused on tri-a, tri-b and not on tri-c, not paused everywhere',
    ]);
  });

  it('refuses to resume while no primary runs (the manager would fail over at once), unless forced', async () => {
    const h = scripted({ paused: ['tri-a', 'tri-b', 'tri-c'], stopped: ['tri-a'] });
    const err = await setFailoverPaused(h.oc, false, { pollMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as Error).message).toMatch(/^resume tri: no data node runs as primary: repmgr would fail over as soon as it is resumed\. Start the primary first .* --force .*; nothing changed$/);
    expect(h.ran()).toEqual([]);
    const forced = await setFailoverPaused(h.oc, false, { pollMs: 1, force: true });
    expect(forced.ranOn).toBe('tri-b');
    expect(h.ran()).toEqual(['tri-b: unpause']);
  });
});

describe('withFailoverPaused', () => {
  it('pauses around the work and resumes after it', async () => {
    const h = scripted();
    let during: string[] = [];
    const r = await withFailoverPaused(h.oc, async () => {
      during = h.isPaused();
      return 42;
    }, { pollMs: 1 });
    expect(r).toBe(42);
    expect(during).toEqual(['tri-a', 'tri-b', 'tri-c']);
    expect(h.isPaused()).toEqual([]);
    expect(h.ran()).toEqual(['tri-a: pause', 'tri-a: unpause']);
  });

  it('resumes when the work fails, and the work\'s own error is what is thrown', async () => {
    const h = scripted();
    await expect(withFailoverPaused(h.oc, async () => Promise.reject(new Error('restart failed on tri-b')), { pollMs: 1 })).rejects.toThrow('restart failed on tri-b');
    expect(h.isPaused()).toEqual([]);
  });

  it('leaves a pause a person set before: nothing resumed afterwards', async () => {
    const h = scripted({ paused: ['tri-a', 'tri-b', 'tri-c'] });
    await withFailoverPaused(h.oc, async () => undefined, { pollMs: 1 });
    expect(h.ran()).toEqual([]);
    expect(h.isPaused()).toEqual(['tri-a', 'tri-b', 'tri-c']);
  });
});
