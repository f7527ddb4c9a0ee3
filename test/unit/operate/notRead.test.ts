/**
 * m1 status on a bad day: what it could not read within its deadline is said
 * (a host not read, a step cut short on a host that answered, an entry point
 * that gave no answer), never waited for; a barman check cut short is not a
 * failed one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeConnector } from '../../../src/engine/connectors/fake.js';
import type { CommandResult, Connector } from '../../../src/engine/index.js';
import type { OpenCluster } from '../../../playbooks/operate/cluster.js';
import { beforeDeadline, deadlineIn, REPORT_MS, stepBoundS } from '../../../playbooks/operate/deadline.js';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { formatStatus } from '../../../playbooks/operate/formatStatus.js';
import { buildProbeCommand } from '../../../playbooks/operate/probe/command.js';
import { notReadProbe, parseProbe } from '../../../playbooks/operate/probe/parse.js';
import { probeSpec } from '../../../playbooks/operate/probe/spec.js';
import { buildRouteCommand, clusterRoutes, parseRouteOutput } from '../../../playbooks/operate/routes.js';
import { gatherSnapshot } from '../../../playbooks/operate/status.js';
import { parseTimeout } from '../../../src/cli/status.js';
import { runM1 } from '../../support/cli.js';
import { testCluster } from '../../support/testCluster.js';
import { ADDRESSES, HEALTHY, fiveNodes, probeTexts, probesFor } from './fixtures.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the deadline', () => {
  it('ends the given seconds after its start, less what reporting needs; a step gets what is left less the way back, never nothing', () => {
    const d = deadlineIn(3, 1000);
    expect(d).toEqual({ withinS: 3, endsAt: 4000 - REPORT_MS });
    expect(stepBoundS(d, 1500)).toBeCloseTo((4000 - REPORT_MS - 1500 - 350) / 1000);
    expect(stepBoundS(d, 1500, 0.5)).toBeCloseTo((4000 - REPORT_MS - 1500 - 350) / 2000);
    expect(stepBoundS(d, 9000)).toBe(0.3);
  });

  it("gives the work's value before the deadline, 'late' after it, and a failure after it reaches nobody", async () => {
    expect(await beforeDeadline(deadlineIn(1), Promise.resolve(7))).toEqual({ value: 7 });
    expect(await beforeDeadline(undefined, sleep(50).then(() => 8))).toEqual({ value: 8 });
    const t = performance.now();
    expect(await beforeDeadline(deadlineIn(0.4), sleep(5000))).toBe('late');
    expect(performance.now() - t).toBeLessThan(1000);
    // Rejects after the deadline: must not surface as an unhandled rejection (vitest fails the run on one).
    expect(await beforeDeadline(deadlineIn(0.3), sleep(200).then(() => Promise.reject(new Error('late failure'))))).toBe('late');
    await sleep(100);
  });
});

describe('what a bounded probe could not read', () => {
  const c = fiveNodes();
  const witness = c.instances.find((i) => i.name === 'op-e')!;
  const spec = { ...probeSpec(c, witness), boundS: 1.46 };

  it('runs repmgr cluster show and barman check under the bound, side by side, and the local facts as they are', () => {
    const cmd = buildProbeCommand(spec);
    expect(cmd).toMatch(/^\{ timeout -k 0\.5 1\.5 sh -c '\(cd \/ && runuser -u postgres -- \/usr\/lib\/postgresql\/15\/bin\/repmgr .* &$/m);
    expect(cmd).toMatch(/^\{ timeout -k 0\.5 1\.5 sh -c 'out=\$\(timeout 12 .*barman.* check .* &$/m);
    expect(cmd).not.toMatch(/timeout -k 0\.5 1\.5 sh -c '[^']*systemctl is-active/);
    expect(buildProbeCommand(probeSpec(c, witness))).not.toContain('timeout -k');
  });

  it('a cut step is a problem naming the host, the step and the bound; a cut barman check is a warning, not a failure', () => {
    const text = probeTexts(c, HEALTHY)['op-e']!.replace(/^m1:(rshow|bcheck:op)=.*\n/gm, '') + 'm1:rshow=1,0,0\nm1:cut=rshow\nm1:cut=bcheck:op\n';
    const p = parseProbe(spec, text);
    expect(p.cut).toEqual({ what: ['repmgr cluster show'], afterS: 1.5 });
    expect(p.repmgr?.show ?? []).toEqual([]);
    expect(p.barman['op']).toMatchObject({ checkCutAfterS: 1.5 });
    expect(p.barman['op']!.check).toBeUndefined();
    const s = evaluateStatus({ cluster: c, probes: { ...probesFor(c, HEALTHY), 'op-e': p }, addresses: ADDRESSES, routes: [] });
    expect(s.healthy).toBe(false);
    expect(s.problems).toEqual(['op-e: repmgr cluster show: no answer within 1.5 s (not read; another host does not answer it?)']);
    expect(s.warnings).toContain('barman check op on op-e had not finished after 1.5 s: not read (m1 status --timeout 15 waits for it)');
    expect(s.barman[0]).toMatchObject({ checkCutAfterS: 1.5 });
    expect(s.hosts.find((h) => h.host === 'op-e')!.cut).toEqual({ what: ['repmgr cluster show'], afterS: 1.5 });
    expect(formatStatus(s)).toContain('barman op on op-e: backs up op-a; 1 backup, last backup 20260101T000000 DONE timeline 1');
    expect(formatStatus(s)).toContain('check not finished after 1.5 s');
  });

  it('a host not read by the deadline is neither up nor down: said with the stage it was in, the cluster degraded', () => {
    const probes = { ...probesFor(c, HEALTHY), 'op-c': notReadProbe('op-c', 3, 'connecting'), 'op-d': notReadProbe('op-d', 3, 'reading') };
    const s = evaluateStatus({ cluster: c, probes, addresses: ADDRESSES, routes: [] });
    expect(s.problems).toContain('op-c: not read within 3 s (no SSH connection yet)');
    expect(s.problems).toContain('op-d: not read within 3 s (its probe had not answered)');
    expect(s.hosts.find((h) => h.host === 'op-c')).toMatchObject({ reachable: false, live: 'unknown', notReadWithinS: 3 });
    expect(formatStatus(s)).toMatch(/op-c\s+unknown.*not read within 3 s \(no SSH connection yet\)/);
    expect(s.healthy).toBe(false);
  });

  it('an entry point that gave no answer within the bound is not read, not "cannot get through"', () => {
    const cmd = buildRouteCommand(15, clusterRoutes(c).slice(0, 2).map((route) => ({ route })), { user: 'app', database: 'app' }, 0.74);
    // The password is read once, in the subshell, before the checks run side by side.
    expect(cmd.split('\n').slice(0, 2)).toEqual(['(', 'IFS= read -r PGPASSWORD; export PGPASSWORD']);
    expect(cmd.match(/^\{ timeout -k 0\.5 0\.7 sh -c 'out=\$\(cd \/ && \/usr\/lib\/postgresql\/15\/bin\/psql .* &$/gm)).toHaveLength(2);
    expect(cmd).not.toContain('PGPASSWORD=');
    const a = parseRouteOutput('m1:cut=route:pgbouncer:op-b\n', 0.74);
    expect(a['pgbouncer:op-b']).toEqual({ id: 'pgbouncer:op-b', ok: false, output: '', error: 'no answer within 0.7 s', cutAfterS: 0.7 });
    const s = evaluateStatus({ cluster: c, probes: probesFor(c, HEALTHY), addresses: ADDRESSES, routes: clusterRoutes(c), routeAnswers: a });
    expect(s.problems).toEqual(['PgBouncer op-b:6432: not read: no answer within 0.7 s']);
  });
});

describe('gathering under a deadline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'm1-op-notread-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cluster = testCluster({
    name: 'nr',
    dir,
    instances: [
      { name: 'nr-a', roles: ['primary'] },
      { name: 'nr-b', roles: ['replica'], upstream: 'nr-a' },
      { name: 'nr-c', roles: ['replica'], upstream: 'nr-a' },
    ],
  });
  const live = { primary: 'nr-a', upstreams: { 'nr-b': 'nr-a', 'nr-c': 'nr-a' } };
  const never = new Promise<never>(() => undefined);
  /** A host whose SSH connection never comes up (a crashed host's address). */
  const crashed: Connector = { host: 'nr-b', connect: () => never, run: () => never, close: async () => undefined };
  /** A host that connects but whose probe never answers. */
  const stuck: Connector = { host: 'nr-c', connect: async () => undefined, run: (): Promise<CommandResult> => never, close: async () => undefined };

  it('reads the hosts that answer, says which did not and at which stage, and answers by the deadline', async () => {
    const a = new FakeConnector('nr-a').on(/m1:svc=/, () => ({ stdout: probeTexts(cluster, live)['nr-a'] }));
    const oc: OpenCluster = {
      cluster,
      inventory: { cluster: 'nr', platform: 'docker', privateKeyFile: 'k', knownHostsFile: 'kh', hosts: [] },
      configWarnings: [],
      addresses: {},
      connectors: new Map<string, Connector>([
        ['nr-a', a],
        ['nr-b', crashed],
        ['nr-c', stuck],
      ]),
      extraConnectors: () => new Map(),
      close: async () => undefined,
    };
    const t = performance.now();
    const snap = await gatherSnapshot(oc, { deadline: deadlineIn(1.5) });
    expect(performance.now() - t).toBeLessThan(1500);
    expect(snap.probes['nr-a']!.reachable).toBe(true);
    expect(snap.status.primary).toBe('nr-a');
    expect(snap.status.problems).toContain('nr-b: not read within 1.5 s (no SSH connection yet)');
    expect(snap.status.problems).toContain('nr-c: not read within 1.5 s (its probe had not answered)');
    expect(snap.status.healthy).toBe(false);
    // The probe sent was bounded: its remote steps get what was left, less the way back.
    expect(a.commands[0]!.command).toMatch(/^\{ timeout -k 0\.5 (0|1)\.\d sh -c '\(cd \/ && runuser -u postgres -- \/usr\/lib\/postgresql\/15\/bin\/repmgr .* &$/m);
  });
});

describe('m1 status --timeout', () => {
  it('takes seconds from 1 to 3600; anything else is a usage error (exit 2) before any host is touched', async () => {
    expect(parseTimeout('3')).toBe(3);
    expect(parseTimeout('2.5')).toBe(2.5);
    for (const bad of ['0.5', '0', '-1', 'abc', '3s', '', '7200']) expect(() => parseTimeout(bad), bad).toThrow(/--timeout/);
    const r = await runM1(['status', '/nonexistent/m1-cluster', '--timeout', 'soon']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('--timeout soon: give seconds from 1 to 3600');
  });

  it('is documented in --help', async () => {
    const r = await runM1(['status', '--help']);
    expect(r.out).toMatch(/--timeout <seconds>\s+answer within this many seconds/);
    expect(r.out).toContain('(default: "3")');
  });
});
