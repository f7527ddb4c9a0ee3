/**
 * The switchover's orchestration against scripted hosts (no PgBouncer, no
 * Barman: only the failover manager's commands, the watch and the checks).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeConnector } from '../../../src/engine/connectors/fake.js';
import type { Connector } from '../../../src/engine/index.js';
import { RefusedError } from '../../../src/errors.js';
import type { OpenCluster } from '../../../playbooks/operate/cluster.js';
import { runSwitchover, timestampedCommand, untimestamped } from '../../../playbooks/operate/switchover/run.js';
import { spawnSync } from 'node:child_process';
import { testCluster } from '../../support/testCluster.js';
import { probeTexts, type LiveSpec } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'm1-op-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cluster = testCluster({
  name: 'tri',
  dir,
  instances: [
    { name: 'tri-a', roles: ['primary'] },
    { name: 'tri-b', roles: ['replica'], upstream: 'tri-a' },
    { name: 'tri-c', roles: ['replica'], upstream: 'tri-a' },
  ],
});
const BEFORE: LiveSpec = { primary: 'tri-a', upstreams: { 'tri-b': 'tri-a', 'tri-c': 'tri-a' } };
const AFTER: LiveSpec = { primary: 'tri-b', upstreams: { 'tri-a': 'tri-b', 'tri-c': 'tri-b' } };

/** Hosts that answer the probe from the phase they are in; `standby switchover` moves them to AFTER unless told to fail. */
function scriptedCluster(opts: { switchoverFails?: boolean } = {}) {
  let phase: LiveSpec = BEFORE;
  const make = () =>
    new Map<string, FakeConnector>(
      cluster.instances.map((i) => {
        const c = new FakeConnector(i.name);
        // The target's own reading while it is promoted (src/live's pgNode alone); the probe (below: checked first) reads it too.
        c.on(/'m1:pg=' \|\|/, () => ({ stdout: `m1:pg=/opt/postgres/data|${phase.primary === i.name ? 'false' : 'true'}\n` }));
        c.on(/m1:svc=/, () => ({ stdout: probeTexts(cluster, phase)[i.name] }));
        // The manager's commands run timestamped: their status comes back as a last line (timestampedCommand).
        c.on(/service pause|service unpause/, () => ({ stdout: '05:00:00.001 NOTICE: paused\nm1:exit=0\n' }));
        // The demoted primary's repmgrd already watches the new primary.
        c.on(/repmgrd_standby_reconnect/, () => ({ stdout: 'm1:exit=0\n' }));
        c.on(/standby switchover/, () => {
          if (opts.switchoverFails) return { stdout: '05:00:00.001 NOTICE: executing switchover\n05:00:00.002 ERROR: unable to connect to the primary node\nm1:exit=1\n' };
          phase = AFTER;
          return { stdout: '05:00:00.001 NOTICE: STANDBY SWITCHOVER has completed successfully\nm1:exit=0\n' };
        });
        c.on(/INSERT INTO m1\.writes/, (cmd) => ({ stdout: `m1:wrote=${/switchover-[a-z0-9]+-[a-z0-9]+/.exec(cmd)?.[0]}\n` }));
        return [i.name, c];
      }),
    );
  const main = make();
  const extra = make();
  const oc: OpenCluster = {
    cluster,
    inventory: { cluster: 'tri', platform: 'docker', privateKeyFile: 'k', knownHostsFile: 'kh', hosts: [] },
    configWarnings: [],
    addresses: {},
    connectors: main as Map<string, Connector>,
    extraConnectors: () => extra as Map<string, Connector>,
    close: async () => undefined,
  };
  return { oc, main, extra };
}

const changes = (c: FakeConnector) => c.commands.map((x) => x.command).filter((x) => !/m1:svc=|'m1:pg=' \|\|/.test(x));

describe('the manager\'s output, timestamped', () => {
  it('prefixes every line with the time and hands the exit status back', () => {
    const r = spawnSync('sh', ['-c', timestampedCommand("echo one; echo two >&2; echo 'three four'; exit 3")], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const out = untimestamped(r.stdout);
    expect(out.code).toBe(3);
    expect(out.text.trimEnd().split('\n').map((l) => l.replace(/^\d\d:\d\d:\d\d\.\d{3} /, ''))).toEqual(['one', 'two', 'three four']);
    expect(untimestamped('no marker').code).toBe(255);
  });
});

describe('runSwitchover', () => {
  it('refuses before changing anything, and leaves no lock behind', async () => {
    const { oc, main, extra } = scriptedCluster();
    const err = await runSwitchover(oc, 'tri-a').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as RefusedError).exitCode).toBe(3);
    expect((err as Error).message).toMatch(/tri-a is already the primary/);
    for (const c of [...main.values(), ...extra.values()]) expect(changes(c)).toEqual([]);
    expect(existsSync(join(dir, '.m1.lock'))).toBe(false);
  });

  it('switches over on the target (repmgr pauses repmgrd itself), unpauses, writes on the new primary, and verifies', async () => {
    const { oc, main } = scriptedCluster();
    const lines: string[] = [];
    const out = await runSwitchover(oc, 'tri-b', { write: (l) => lines.push(l), watchIntervalMs: 10, verifyTimeoutMs: 5000 });
    const ran = changes(main.get('tri-b')!);
    expect(ran.map((c) => (/service pause/.test(c) ? 'pause' : /standby switchover/.test(c) ? 'switchover' : /service unpause/.test(c) ? 'unpause' : /INSERT/.test(c) ? 'write' : c))).toEqual(['switchover', 'unpause', 'write']);
    expect(changes(main.get('tri-c')!)).toEqual([]);
    // The demoted primary: only the wait until its repmgrd watches tri-b (repmgr 5.2 logs it late).
    expect(changes(main.get('tri-a')!).map((c) => (/repmgrd_standby_reconnect/.test(c) ? 'repmgrd watches' : c))).toEqual(['repmgrd watches']);
    expect(out.exitCode).toBe(0);
    expect(out.plan).toMatchObject({ primary: 'tri-a', target: 'tri-b', siblings: ['tri-c'] });
    expect(out.rows.map((r) => `${r.ok ? 'PASS' : 'FAIL'} ${r.check}`)).toEqual([
      'PASS tri-b accepts writes',
      'PASS tri-a (old primary) streams from tri-b',
      'PASS tri-c follows tri-b',
      'PASS repmgr takes tri-b for the primary',
    ]);
    expect(out.timings.writableAfterMs).toBeGreaterThanOrEqual(0);
    expect(out.managerLog).toMatch(/logs\/.*-switchover-repmgr\.log$/);
    expect(lines.join('')).toMatch(/switchover tri \(repmgr\): tri-a -> tri-b/);
    expect(existsSync(join(dir, '.m1.lock'))).toBe(false);
  });

  it('when repmgr fails, still unpauses, writes nothing, and says why (exit 1)', async () => {
    const { oc, main } = scriptedCluster({ switchoverFails: true });
    const out = await runSwitchover(oc, 'tri-b', { watchIntervalMs: 10 });
    expect(out.exitCode).toBe(1);
    expect(out.failure).toMatch(/repmgr standby switchover --siblings-follow on tri-b on tri-b failed \(exit 1\):\n.*ERROR: unable to connect to the primary node/s);
    const ran = changes(main.get('tri-b')!);
    expect(ran.some((c) => /service unpause/.test(c))).toBe(true);
    expect(ran.some((c) => /INSERT/.test(c))).toBe(false);
    expect(out.rows).toEqual([]);
  });

  it('refuses while another m1 run holds the cluster lock', async () => {
    const { oc } = scriptedCluster();
    writeFileSync(join(dir, '.m1.lock'), JSON.stringify({ pid: process.pid, host: (await import('node:os')).hostname(), command: 'deploy', started: 'now' }));
    try {
      await expect(runSwitchover(oc, 'tri-b')).rejects.toThrow(/another m1 run holds the cluster lock \(deploy/);
    } finally {
      rmSync(join(dir, '.m1.lock'));
    }
  });
});
