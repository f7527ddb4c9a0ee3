import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { clusterRoutes, type RouteAnswer } from '../../../playbooks/operate/routes.js';
import type { Snapshot } from '../../../playbooks/operate/status.js';
import { checkSwitchover, type SwitchoverPlan } from '../../../playbooks/operate/switchover/preconditions.js';
import { repmgrSteps } from '../../../roles/repmgr/switchover.js';
import { repmgrManager } from '../../../roles/repmgr/manager.js';
import { patroniSteps } from '../../../roles/patroni/switchover.js';
import { efmSteps, efmWaitPrimaryCommand } from '../../../roles/efm/switchover.js';
import { verificationRows } from '../../../playbooks/operate/switchover/verify.js';
import { backupUnitName, clearEarlierBackupsCommand } from '../../../src/products/barman/detachedBackups.js';
import { sideBySide, detachedBackupCommand, isBaseBackupStep, splitBarmanPlan } from '../../../playbooks/operate/switchover/followRoles.js';
import { barmanServers } from '../../../src/products/barman/serverName.js';
import { defaultLayout } from '../roles/efm/clusters.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'm1-op-switchover-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sh(script: string, path: string) {
  return spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { PATH: `${path}:/usr/bin:/bin` }, timeout: 20_000 });
}

describe('the failover managers\' switchover sequences', () => {
  it('repmgr: standby switchover --siblings-follow on the target as postgres (watched; it pauses repmgrd itself), unpause always', () => {
    const s = repmgrSteps(fiveNodes(), 'op-c');
    expect(s.map((x) => [x.host, x.always === true, x.promotes === true])).toEqual([
      ['op-c', false, true],
      ['op-c', true, false],
    ]);
    expect(s[0]!.command).toMatch(/runuser -u postgres -- env HOME=\/var\/lib\/postgresql PGPASSFILE=\/var\/lib\/postgresql\/.pgpass sh -c .*repmgr\.conf standby switchover --siblings-follow/);
    expect(s[0]!.command).toContain('/usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf standby switchover --siblings-follow --verbose');
    expect(s.some((x) => /service pause/.test(x.command))).toBe(false);
    expect(s[1]!.command).toContain('service unpause');
  });

  it('repmgr: a standby cascaded from the target gets its repmgrd restarted after the switchover (it watched the target as a standby), before the unpause; others are left alone', () => {
    const plan = { primary: 'op-a', target: 'op-c', cascaded: [{ host: 'op-d', upstream: 'op-c' }, { host: 'op-e', upstream: 'op-b' }] };
    const s = repmgrManager.switchoverSteps(fiveNodes(), plan, ADDRESSES);
    expect(s.map((x) => [x.host, x.always === true, x.promotes === true])).toEqual([
      ['op-c', false, true],
      ['op-d', true, false],
      ['op-c', true, false],
      ['op-a', false, false],
    ]);
    expect(s[1]!.command).toBe('systemctl restart repmgr.service');
    expect(s[1]!.name).toBe('restart repmgrd on op-d (it streams from op-c, the primary now, and watched it as a standby)');
  });

  it("repmgr: last, waits until the demoted primary's repmgrd logged it watches the target (repmgr 5.2 logs it seconds later), else restarts it", () => {
    const s = repmgrManager.switchoverSteps(fiveNodes(), { primary: 'op-a', target: 'op-c' }, ADDRESSES).at(-1)!;
    expect(s.name).toBe('repmgrd on op-a watches op-c (waited for, else restarted)');
    expect(s.host).toBe('op-a');
    expect(s.always).not.toBe(true);
    // node_id of op-a is 1, of op-c 3 (fiveNodes); the follow events are staleRepmgrd's.
    expect(s.command).toContain('f.node_id = 1 ');
    expect(s.command).toContain('p.node_id = 3 AND p.event = ');
    expect(s.command).toContain('repmgrd_standby_reconnect');
    expect(s.command).toMatch(/-lt 40 .*systemctl restart repmgr\.service$/);
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

  it('splits the barman role\'s retarget plan: follow at promotion, drop stale slots later, wait for streaming and base backup detached', () => {
    const split = splitBarmanPlan(r);
    expect(split.backup).toBe(true);
    expect(split.follow.map((s) => s.why)).toEqual([
      'a slot backup_op_e left on op-c from before its promotion would make receive-wal ask for WAL op-c never had',
      'replication slot backup_op_e on op-c',
      "stop pg_receivewal if it still streams from op-a, restart streaming on op-c's timeline",
      'start receive-wal',
    ]);
    expect(split.detached.map((s) => s.why)).toEqual(['wait until pg_receivewal streams from op-c', 'make op-c switch WAL and wait until Barman has archived the segment']);
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

  it('runs independent Barman steps side by side, each judged as on its own (already done counts as success)', () => {
    const step = (command: string, extra: object = {}) => ({ host: 'op-e', user: 'barman' as const, command, why: command, ...extra });
    const slot = step("sleep 0.6; echo \"Replication slot 'x' already exists\"; exit 1", { alreadyDone: /already exists/ });
    const reset = step('sleep 0.6; echo reset done');
    const t0 = Date.now();
    const ok = sh(sideBySide([slot, reset]).command, '/nonexistent');
    expect(Date.now() - t0).toBeLessThan(1100);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('already exists');
    expect(ok.stdout).toContain('reset done');
    const bad = sh(sideBySide([slot, step('echo no server >&2; exit 4')]).command, '/nonexistent');
    expect(bad.status).toBe(4);
    expect(bad.stdout).toContain('no server');
    expect(sideBySide([step('a', { tolerateFailure: true }), step('b', { tolerateFailure: true })]).tolerateFailure).toBe(true);
    expect(sideBySide([slot, reset]).tolerateFailure).toBeUndefined();
    expect(sideBySide([reset])).toBe(reset);
  });

  it('stops only this server\'s earlier m1 backup units and deletes only the unfinished backups they started', () => {
    const bin = mkdtempSync(join(dir, 'clear-'));
    const log = join(bin, 'log');
    const base = join(bin, 'op', 'base');
    const backups: Record<string, string> = { '20260101T000001': 'DONE', '20260101T000002': 'FAILED', '20260101T000003': 'STARTED', '20260101T000004': 'FAILED' };
    for (const [id, status] of Object.entries(backups)) {
      mkdirSync(join(base, id), { recursive: true });
      // Barman 3.13.2+ (Debian 13) keeps backup.info in <server>/meta/<id>-backup.info.
      const info = id.endsWith('3') ? join(bin, 'op', 'meta', `${id}-backup.info`) : join(base, id, 'backup.info');
      mkdirSync(join(info, '..'), { recursive: true });
      writeFileSync(info, `backup_id=${id}\nstatus=${status}\n`);
    }
    const units = ['m1-barman-backup-op-17.service loaded active running x', 'm1-barman-backup-op2-18.service loaded active running y'].join('\\n');
    const journal = [
      ...['20260101T000001', '20260101T000002', '20260101T000003'].map((id) => `Starting backup using rsync-concurrent method for server op in ${base}/${id}`),
      // Another server's unfinished backup, and one m1 did not start, stay.
      `Starting backup using rsync-concurrent method for server op2 in ${bin}/op2/base/20260101T000005`,
    ].join('\\n');
    writeFileSync(join(bin, 'systemctl'), `#!/bin/sh\nif [ "$1" = list-units ]; then printf '${units}\\n'; else echo "systemctl $*" >> ${log}; fi\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'journalctl'), `#!/bin/sh\nprintf '${journal}\\n'\n`, { mode: 0o755 });
    writeFileSync(join(bin, 'runuser'), `#!/bin/sh\necho "runuser $*" >> ${log}\n`, { mode: 0o755 });
    const r = sh(clearEarlierBackupsCommand('op'), bin);
    expect(r.status).toBe(0);
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      'systemctl stop m1-barman-backup-op-17.service',
      'runuser -u barman -- /usr/bin/barman delete op 20260101T000002',
      'runuser -u barman -- /usr/bin/barman delete op 20260101T000003',
    ]);
    expect(r.stdout).toContain('deleted unfinished backup 20260101T000003');
  });

  it('the detached unit runs its earlier steps in order and backs up only when they all succeed', () => {
    const bin = mkdtempSync(join(dir, 'bin-'));
    const log = join(bin, 'log');
    // Stand-ins: systemd-run runs its command in place; barman and psql log their calls.
    writeFileSync(join(bin, 'systemd-run'), '#!/bin/sh\nwhile [ "${1#--}" != "$1" ]; do shift; done\nexec "$@"\n', { mode: 0o755 });
    writeFileSync(join(bin, 'psql'), `#!/bin/sh\necho psql >> ${log}\n`, { mode: 0o755 });
    const step = (command: string) => ({ host: 'op-e', user: 'barman' as const, command, why: command });
    const run = (before: ReturnType<typeof step>[]) => {
      writeFileSync(log, '');
      const cmd = detachedBackupCommand('op', 'op-c', 'u', before).replaceAll('/usr/bin/barman', `${bin}/barman`);
      writeFileSync(join(bin, 'barman'), `#!/bin/sh\necho "barman $*" >> ${log}\n`, { mode: 0o755 });
      const r = sh(cmd, bin);
      return { code: r.status, calls: readFileSync(log, 'utf8').split('\n').filter((l) => l && l !== 'psql') };
    };
    expect(run([step(`echo first >> ${log}`), step(`echo second >> ${log}`)])).toEqual({ code: 0, calls: ['first', 'second', 'barman backup --wait op'] });
    const failed = run([step(`echo first >> ${log}; exit 3`), step(`echo second >> ${log}`)]);
    expect(failed.code).not.toBe(0);
    expect(failed.calls).toEqual(['first']);
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

  it('Barman\'s row takes the check the switchover ran itself when the reading did not run one', () => {
    const snap = snapshot(c, after, answers('op-c'));
    for (const b of snap.status.barman) delete b.check;
    const ok = verificationRows({ cluster: c, plan, after: snap, write: { ok: true, detail: 'row x' }, barmanChecks: { op: { ok: true, failed: [] } } });
    expect(ok.at(-1)).toMatchObject({ check: 'Barman op backs up op-c', ok: true });
    const bad = verificationRows({ cluster: c, plan, after: snap, write: { ok: true, detail: 'row x' }, barmanChecks: { op: { ok: false, failed: ['receive-wal running: FAILED'] } } });
    expect(bad.at(-1)).toEqual({ check: 'Barman op backs up op-c', ok: false, detail: 'barman check: receive-wal running: FAILED' });
    expect(verificationRows({ cluster: c, plan, after: snap, write: { ok: true, detail: 'row x' } }).at(-1)!.detail).toBe('barman check not run');
  });

  it('a target that did not take the write fails the first row', () => {
    const rows = verificationRows({ cluster: c, plan, after: snapshot(c, after, answers('op-c')), write: { ok: false, detail: 'ERROR:  cannot execute INSERT in a read-only transaction' } });
    expect(rows[0]).toEqual({ check: 'op-c accepts writes', ok: false, detail: 'ERROR:  cannot execute INSERT in a read-only transaction' });
  });
});
