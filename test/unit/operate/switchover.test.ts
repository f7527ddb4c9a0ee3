import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { evaluateStatus } from '../../../src/operate/health.js';
import { clusterRoutes, type RouteAnswer } from '../../../src/operate/routes.js';
import type { Snapshot } from '../../../src/operate/status.js';
import { checkSwitchover, type SwitchoverPlan } from '../../../src/operate/switchover/preconditions.js';
import { efmSteps, efmWaitPrimaryCommand, patroniSteps, repmgrSteps } from '../../../src/operate/switchover/steps.js';
import { verificationRows } from '../../../src/operate/switchover/verify.js';
import { backupUnitName, detachedBackupCommand, isBaseBackupStep, splitBarmanPlan } from '../../../playbooks/switchover.js';
import { barmanServers } from '../../../roles/barman/serverName.js';
import { defaultLayout } from '../roles/efm/clusters.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'm1-op-switchover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string, path: string) {
  return spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${path}:/usr/bin:/bin` }, timeout: 20_000 });
}

describe('the failover managers\' switchover sequences', () => {
  it('repmgr: pause, standby switchover --siblings-follow on the target as postgres (watched), unpause always', () => {
    const s = repmgrSteps(fiveNodes(), 'op-c');
    expect(s.map((x) => [x.host, x.always === true, x.promotes === true])).toEqual([
      ['op-c', false, false],
      ['op-c', false, true],
      ['op-c', true, false],
    ]);
    expect(s[0]!.command).toMatch(/runuser -u postgres -- env HOME=\/var\/lib\/postgresql sh -c .*repmgr\.conf service pause/);
    expect(s[1]!.command).toContain('/usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf standby switchover --siblings-follow --verbose');
    expect(s[2]!.command).toContain('service unpause');
  });

  it('Patroni: one patronictl switchover naming leader and candidate, no prompt', () => {
    const c: Cluster = { ...fiveNodes(), failoverManager: 'patroni' };
    const [s] = patroniSteps(c, 'op-a', 'op-c');
    expect(s!.command).toContain("patronictl -c /etc/patroni/op.yml switchover --leader op-a --candidate op-c --scheduled now --force");
    expect(s!.promotes).toBe(true);
  });

  it('EFM: set-priority 1 for the target, then promote -switchover, then wait for EFM to report it Primary', () => {
    const c = defaultLayout();
    const s = efmSteps(c, 'quack', '10.33.48.227');
    expect(s.map((x) => x.name)).toEqual(['efm set-priority efm1 10.33.48.227 1', 'efm promote efm1 -switchover', 'wait until EFM reports 10.33.48.227 as Primary']);
    expect(s[0]!.command).toBe('cd / && runuser -u efm -- /usr/edb/efm-4.9/bin/efm set-priority efm1 10.33.48.227 1');
    expect(s[1]!.command).toBe('cd / && runuser -u efm -- /usr/edb/efm-4.9/bin/efm promote efm1 -switchover');
    expect(s[1]!.promotes).toBe(true);
    expect(s.every((x) => x.host === 'quack')).toBe(true);
  });

  it('EFM: the wait polls cluster-status-json until the target is Primary, bounded', () => {
    // A stand-in efm: the target becomes Primary on the third look.
    const bin = join(dir, 'efm-bin');
    spawnSync('mkdir', ['-p', bin]);
    const efm = join(bin, 'efm');
    writeFileSync(
      efm,
      `#!/bin/sh\necho x >> ${dir}/looks\nn=$(wc -l < ${dir}/looks)\nif [ "$n" -ge 3 ]; then t=Primary; o=Standby; else t=Standby; o=Primary; fi\n` +
        `printf '{"nodes":{"10.33.48.226":{"type":"%s","db":"UP","vip":""},\\n"10.33.48.227":{"type":"%s","db":"UP","vip":""}},"missingnodes":[]}' "$o" "$t"\n`,
    );
    chmodSync(efm, 0o755);
    const ok = sh(efmWaitPrimaryCommand('efm cluster-status-json efm1', '10.33.48.227', 5, 0.1), bin);
    expect(ok.status).toBe(0);
    const never = sh(efmWaitPrimaryCommand('efm cluster-status-json efm1', '10.33.48.228', 2, 0.1), bin);
    expect(never.status).toBe(1);
    expect(never.stderr).toContain('EFM did not report 10.33.48.228 as Primary after 0.2 s');
  });
});

describe('Barman after a switchover', () => {
  const c = fiveNodes();
  const server = barmanServers(c)[0]!;
  const r = { cluster: c, server, target: 'op-c', previousTarget: 'op-a', hasBackups: true, otherPostgresHosts: ['op-a', 'op-b', 'op-d'] };

  it('splits the barman role\'s retarget plan: follow at promotion, drop stale slots later, base backup detached', () => {
    const split = splitBarmanPlan(r);
    expect(split.backup).toBe(true);
    expect(split.follow.map((s) => s.why)).toEqual([
      'replication slot backup_op_e on op-c',
      "stop pg_receivewal if it still streams from op-a, restart streaming on op-c's timeline",
      'start receive-wal',
      'wait until pg_receivewal streams from op-c',
      'make op-c switch WAL and wait until Barman has archived the segment',
    ]);
    expect(split.finish.map((s) => s.why.split(',')[0])).toEqual(['drop an unused Barman slot on op-a', 'drop an unused Barman slot on op-b', 'drop an unused Barman slot on op-d']);
    expect([...split.follow, ...split.finish].some((s) => isBaseBackupStep(s, 'op'))).toBe(false);
  });

  it('nothing to retarget when Barman already backs up the target: no backup either', () => {
    const split = splitBarmanPlan({ ...r, previousTarget: 'op-c' });
    expect(split.backup).toBe(false);
    expect(split.finish).toEqual([]);
  });

  it('the detached backup runs as barman in its own systemd unit, WAL nudged on the new primary', () => {
    const unit = backupUnitName('op', 1700000000000);
    expect(unit).toBe('m1-barman-backup-op-1700000000000');
    const cmd = detachedBackupCommand('op', 'op-c', unit);
    expect(cmd).toMatch(/^systemd-run --quiet --collect --unit=m1-barman-backup-op-1700000000000 --uid=barman --gid=barman --setenv=HOME=\/var\/lib\/barman/);
    expect(cmd).toContain('/usr/bin/barman backup --wait op');
    expect(cmd).toContain('host=op-c');
  });
});

describe('verification after a switchover', () => {
  function snapshot(c: Cluster, live: LiveSpec, routeAnswers: Record<string, RouteAnswer> = {}): Snapshot {
    const probes = probesFor(c, live);
    // Barman streams from the new primary through its slot.
    probes[live.primary]!.slots.push({ name: 'backup_op_e', type: 'physical', active: true });
    const status = evaluateStatus({ cluster: c, probes, addresses: ADDRESSES, routes: clusterRoutes(c), routeAnswers });
    return { status, probes, routeAnswers, gatheredMs: 1 };
  }
  const c = fiveNodes();
  const before = evaluateStatus({ cluster: c, probes: probesFor(c, HEALTHY), addresses: ADDRESSES, routes: clusterRoutes(c) });
  const pre = checkSwitchover(c, before, 'op-c');
  const plan = (pre as { ok: true; plan: SwitchoverPlan }).plan;
  const after: LiveSpec = { primary: 'op-c', upstreams: { 'op-a': 'op-c', 'op-b': 'op-c', 'op-d': 'op-b' } };
  const answers = (reach: string, inRecovery = false): Record<string, RouteAnswer> =>
    Object.fromEntries(['op-a', 'op-b', 'op-c'].map((h) => [`pgbouncer:${h}`, { id: `pgbouncer:${h}`, ok: true, inRecovery, clusterName: reach, output: '' }]));

  it('all pass when the new topology is in place', () => {
    const rows = verificationRows({ cluster: c, plan, after: snapshot(c, after, answers('op-c')), write: { ok: true, detail: 'row x' }, backupUnits: { op: 'm1-barman-backup-op-1' } });
    expect(rows.map((r) => `${r.ok ? 'PASS' : 'FAIL'} ${r.check}`)).toEqual([
      'PASS op-c accepts writes',
      'PASS op-a (old primary) streams from op-c',
      'PASS op-b follows op-c',
      'PASS op-d still streams from op-b (cascaded)',
      'PASS witness op-e follows op-c (repmgr)',
      'PASS repmgr takes op-c for the primary',
      'PASS PgBouncer op-a:6432 reaches op-c',
      'PASS PgBouncer op-b:6432 reaches op-c',
      'PASS PgBouncer op-c:6432 reaches op-c',
      'PASS Barman op backs up op-c',
    ]);
    expect(rows.at(-1)!.detail).toBe('WAL streams through backup_op_e, check OK, base backup started (m1-barman-backup-op-1)');
  });

  it('names what is left behind: a sibling still on the old primary, PgBouncer on the old primary, Barman not moved', () => {
    const stale: LiveSpec = { ...after, upstreams: { 'op-a': 'op-c', 'op-b': 'op-a', 'op-d': 'op-b' }, pgbouncerTarget: 'op-a', barmanTarget: 'op-a' };
    const rows = verificationRows({ cluster: c, plan, after: snapshot(c, stale, answers('op-a', true)), write: { ok: true, detail: 'row x' } });
    const failed = rows.filter((r) => !r.ok).map((r) => `${r.check}: ${r.detail}`);
    expect(failed).toContain('op-b follows op-c: streams from op-a');
    expect(failed).toContain('PgBouncer op-a:6432 reaches op-c: sends clients to op-a, not the primary op-c; a client reaches op-a (read-only), not the primary op-c');
    expect(failed).toContain('Barman op backs up op-c: its conf backs up op-a');
  });

  it('a target that did not take the write fails the first row', () => {
    const rows = verificationRows({ cluster: c, plan, after: snapshot(c, after, answers('op-c')), write: { ok: false, detail: 'ERROR:  cannot execute INSERT in a read-only transaction' } });
    expect(rows[0]).toEqual({ check: 'op-c accepts writes', ok: false, detail: 'ERROR:  cannot execute INSERT in a read-only transaction' });
  });
});
