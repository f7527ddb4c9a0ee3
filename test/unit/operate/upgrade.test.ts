import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { clusterRoutes } from '../../../playbooks/operate/routes.js';
import { checkUpgrade, upgradeStaticDecision, type UpgradeInput } from '../../../playbooks/operate/upgrade/preconditions.js';
import {
  afterUpgradeChecks,
  caughtUpCommand,
  parseVersions,
  restartPostgresCommand,
  runsInstalledBinaryCommand,
  upgradePackagesCommand,
  versionsCommand,
  watchedPackages,
  type HostVersions,
} from '../../../playbooks/operate/upgrade/steps.js';
import { instanceByName, runsPostgres, type Cluster } from '../../../src/inventory/cluster.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';
import { MANAGERS } from '../../../roles/managers.js';
import { patroniCluster } from '../roles/patroni/fixture.js';
import type { MinorUpgrade } from '../../../roles/failoverManager.js';

const REPMGR = MANAGERS.repmgr.minorUpgrade as MinorUpgrade;

const OLD = '15.18-0+deb12u1';
const NEW = '15.20-0+deb12u1';

/** Every host at `installed` (running it), offered OLD and NEW, NEW the candidate. */
function versionsOf(c: Cluster, installed: Record<string, string> = {}, extra: Partial<HostVersions> = {}): Record<string, HostVersions> {
  const out: Record<string, HostVersions> = {};
  for (const i of c.instances) {
    const have = installed[i.name] ?? OLD;
    const pg = runsPostgres(i, c.failoverManager);
    const names = watchedPackages(c, i, REPMGR).map((p) => p.name);
    const minor = (n: string) => ['postgresql-15', 'postgresql-client-15', 'libpq5'].includes(n);
    out[i.name] = {
      installed: Object.fromEntries(names.map((n) => [n, minor(n) ? have : '1.0-1'])),
      candidates: Object.fromEntries(names.map((n) => [n, minor(n) ? NEW : '1.0-1'])),
      offered: [NEW, OLD],
      ...(pg ? { serverVersionNum: have === NEW ? 150020 : 150018 } : {}),
      updateFailed: false,
      ...extra,
    };
  }
  return out;
}

function decide(opts: { live?: LiveSpec; wanted?: string; installed?: Record<string, string>; switchBack?: boolean; versions?: UpgradeInput['versions']; cluster?: Cluster } = {}) {
  const c = opts.cluster ?? fiveNodes();
  const status = evaluateStatus({ cluster: c, probes: probesFor(c, opts.live ?? HEALTHY), addresses: ADDRESSES, routes: clusterRoutes(c) });
  return checkUpgrade({ cluster: c, manager: REPMGR, status, versions: opts.versions ?? versionsOf(c, opts.installed), ...(opts.wanted ? { wanted: opts.wanted } : {}), ...(opts.switchBack ? { switchBack: true } : {}) });
}

/** fiveNodes: a primary + pgbouncer; b, c replicas of a + pgbouncer; d cascaded from b; e barman + witness. */
describe('m1 upgrade: the order', () => {
  it('replicas of the primary, then the cascaded one after its upstream, then the witness; a switchover to the first replica; then the old primary', () => {
    const d = decide({ wanted: NEW });
    if (d.kind !== 'plan') throw new Error(JSON.stringify(d));
    const p = d.plan;
    expect(p.first.map((h) => [h.host, h.kind, h.upstream ?? ''])).toEqual([
      ['op-b', 'replica', 'op-a'],
      ['op-c', 'replica', 'op-a'],
      ['op-d', 'replica', 'op-b'],
      ['op-e', 'witness', ''],
    ]);
    expect(p.switchover).toEqual({ from: 'op-a', to: 'op-b' });
    expect(p.last).toMatchObject([{ host: 'op-a', kind: 'replica', upstream: 'op-b', restart: true }]);
    expect(p.switchBack).toBeUndefined();
    expect(p).toMatchObject({ target: NEW, targetNum: 150020, targetFrom: 'postgres_package_version', primary: 'op-a', atTarget: [] });
    expect(p.first[0]!.packages).toEqual(expect.arrayContaining([{ name: 'postgresql-15', from: OLD, to: NEW }, { name: 'postgresql-client-15', from: OLD, to: NEW }, { name: 'libpq5', from: OLD, to: NEW }]));
    // repmgr's module is at the candidate already: not touched.
    expect(p.first[0]!.packages.map((x) => x.name)).not.toContain('postgresql-15-repmgr');
  });

  it('the target unset: the newest the hosts offer; --switch-back: a switchover back to the old primary last', () => {
    const d = decide({ switchBack: true });
    expect(d).toMatchObject({ kind: 'plan', plan: { target: NEW, targetFrom: 'newest offered', switchBack: { from: 'op-b', to: 'op-a' } } });
  });

  it('after a failover the live topology decides: b is the primary, a and c its replicas, d under c', () => {
    const d = decide({ wanted: NEW, live: { primary: 'op-b', upstreams: { 'op-a': 'op-b', 'op-c': 'op-b', 'op-d': 'op-c' } } });
    if (d.kind !== 'plan') throw new Error(JSON.stringify(d));
    expect(d.plan.first.map((h) => h.host)).toEqual(['op-a', 'op-c', 'op-d', 'op-e']);
    expect(d.plan.switchover).toEqual({ from: 'op-b', to: 'op-a' });
  });

  it('a rerun: hosts at the target are skipped; with every host there, nothing to do', () => {
    const d = decide({ wanted: NEW, installed: { 'op-b': NEW, 'op-c': NEW } });
    if (d.kind !== 'plan') throw new Error(JSON.stringify(d));
    expect(d.plan.first.map((h) => h.host)).toEqual(['op-d', 'op-e']);
    expect(d.plan.atTarget).toEqual(['op-b', 'op-c']);
    const all = decide({ wanted: NEW, installed: Object.fromEntries(['op-a', 'op-b', 'op-c', 'op-d', 'op-e'].map((h) => [h, NEW])) });
    expect(all).toMatchObject({ kind: 'plan', plan: { first: [], last: [], atTarget: ['op-b', 'op-c', 'op-d', 'op-e', 'op-a'] } });
    expect(all.kind === 'plan' && all.plan.switchover).toBeFalsy();
  });

  it('a package at the target whose server still runs the old version is restarted (a restart that failed before)', () => {
    const c = fiveNodes();
    const v = versionsOf(c, { 'op-b': NEW });
    v['op-b']!.serverVersionNum = 150018;
    const d = decide({ wanted: NEW, versions: v });
    if (d.kind !== 'plan') throw new Error(JSON.stringify(d));
    expect(d.plan.first[0]).toMatchObject({ host: 'op-b', packages: [], restart: true });
  });
});

describe('m1 upgrade: refusals', () => {
  it('a major version in postgres_package_version: exit 2 (config.yml asks for a major upgrade), before any host is read', () => {
    expect(upgradeStaticDecision(fiveNodes(), REPMGR, '16.6-0+deb13u1')).toMatchObject({ kind: 'usage', reason: expect.stringMatching(/is PostgreSQL 16, the cluster runs PostgreSQL 15 .*a major upgrade, which m1 upgrade does not do/) });
    expect(decide({ wanted: '16.6-0+deb13u1' }).kind).toBe('usage');
    expect(upgradeStaticDecision(fiveNodes(), REPMGR, NEW)).toBeUndefined();
  });
  it('a Patroni cluster is driven; an EFM cluster: exit 2 (not driven yet)', () => {
    expect(upgradeStaticDecision(fiveNodes(), MANAGERS.patroni.minorUpgrade, NEW)).toBeUndefined();
    expect(upgradeStaticDecision(fiveNodes(), MANAGERS.efm.minorUpgrade, NEW)).toMatchObject({ kind: 'usage', reason: expect.stringMatching(/drives repmgr and Patroni clusters; op runs EFM/) });
  });
  const refusals: [string, Parameters<typeof decide>[0], RegExp][] = [
    ['an unhealthy cluster (a replica stopped)', { wanted: NEW, live: { ...HEALTHY, stopped: ['op-c'] } }, /^the cluster is not healthy: .*op-c/],
    ['a target older than a host runs', { wanted: OLD, installed: { 'op-b': NEW } }, /^the target 15\.18-0\+deb12u1 is older than postgresql-15 15\.20-0\+deb12u1 installed on op-b: m1 upgrade never downgrades/],
    ['a target older than every host', { wanted: '15.9-0+deb12u1' }, /is older than postgresql-15 15\.18-0\+deb12u1 installed on op-a/],
    ['a target the sources do not offer', { wanted: '15.21-0+deb12u1' }, /^the apt sources of op-a do not offer 15\.21-0\+deb12u1 \(they offer 15\.20-0\+deb12u1, 15\.18-0\+deb12u1\)/],
  ];
  it.each(refusals)('refused, nothing changed: %s', (_what, opts, reason) => {
    expect(decide(opts)).toMatchObject({ kind: 'refused', reason: expect.stringMatching(reason) });
  });
  it('a host whose versions could not be read', () => {
    const c = fiveNodes();
    const v: UpgradeInput['versions'] = { ...versionsOf(c), 'op-d': { error: 'exit 100' } };
    expect(decide({ wanted: NEW, versions: v })).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/^the package versions of op-d could not be read \(exit 100\)/) });
  });
});

describe('m1 upgrade: commands', () => {
  const c = fiveNodes();
  it('watches the server, client and companions on a Postgres host; Barman and PgBouncer where they run', () => {
    expect(watchedPackages(c, instanceByName(c, 'op-a')!, REPMGR).map((p) => `${p.name}:${p.follows}`)).toEqual([
      'postgresql-15:target',
      'postgresql-client-15:target',
      'libpq5:candidate',
      'postgresql-common:candidate',
      'postgresql-client-common:candidate',
      'barman-cli:candidate',
      'postgresql-15-repmgr:candidate',
      'repmgr-common:candidate',
      'pgbouncer:candidate',
    ]);
    expect(watchedPackages(c, instanceByName(c, 'op-e')!, REPMGR).map((p) => p.name)).toEqual(expect.arrayContaining(['barman', 'postgresql-client-15']));
  });
  it("on a Patroni cluster: Patroni and its etcd library on the data nodes, HAProxy and etcd where they run", () => {
    const p = patroniCluster();
    const PATRONI = MANAGERS.patroni.minorUpgrade as MinorUpgrade;
    expect(watchedPackages(p, instanceByName(p, 'kaboom')!, PATRONI).map((x) => x.name)).toEqual(expect.arrayContaining(['postgresql-15', 'patroni', 'python3-etcd']));
    expect(watchedPackages(p, instanceByName(p, 'karaoke')!, PATRONI).map((x) => `${x.name}:${x.follows}`)).toEqual(['haproxy:candidate']);
    expect(watchedPackages(p, instanceByName(p, 'kapok')!, PATRONI).map((x) => `${x.name}:${x.follows}`)).toEqual(['etcd-server:candidate', 'etcd-client:candidate']);
  });
  it('after an upgrade: HAProxy reloaded (never restarted) onto its new binary; etcd restarted onto its new one and the cluster healthy before the next member', () => {
    const p = patroniCluster();
    expect(afterUpgradeChecks(p, instanceByName(p, 'karaoke')!, ['curl'])).toEqual([]);
    const hap = afterUpgradeChecks(p, instanceByName(p, 'karaoke')!, ['haproxy']);
    expect(hap.map((x) => x.name)).toEqual(['haproxy runs the upgraded binary (reloaded if not)']);
    expect(hap[0]!.command).toContain('systemctl reload haproxy');
    expect(hap[0]!.command).not.toContain('restart');
    const etcd = afterUpgradeChecks(p, instanceByName(p, 'kapok')!, ['etcd-server']);
    expect(etcd.map((x) => x.name)).toEqual(['etcd runs the upgraded binary (restarted if not)', 'every etcd member healthy']);
    expect(etcd[1]!.command).toMatch(/https:\/\/10\.33\.0\.\d+:2379\/health/);
    for (const x of [...hap, ...etcd]) execFileSync('sh', ['-n', '-c', x.command]);
    expect(() => runsInstalledBinaryCommand('x; reboot', 'reload')).toThrow();
  });
  it('a unit running a binary that was replaced is reloaded, then counted done once its process runs the new one (sh, with systemctl and readlink stood in for)', () => {
    const cmd = runsInstalledBinaryCommand('haproxy', 'reload', 3);
    // A fake systemctl: "reload" swaps the binary the fake process runs.
    const shim = [
      'state=$(mktemp)',
      'echo "/usr/sbin/haproxy (deleted)" > "$state"',
      'systemctl() { case "$1" in show) echo 1 ;; reload) echo /usr/sbin/haproxy > "$state"; echo reloaded ;; esac; }',
      'readlink() { cat "$state"; }',
    ].join('\n');
    expect(execFileSync('sh', ['-c', `${shim}\n${cmd}`]).toString()).toBe('reloaded\n');
    const running = shim.replace('echo "/usr/sbin/haproxy (deleted)"', 'echo /usr/sbin/haproxy');
    expect(execFileSync('sh', ['-c', `${running}\n${cmd}`]).toString()).toBe('');
  });
  it('upgrades exactly the versions planned, never installs or downgrades', () => {
    expect(upgradePackagesCommand([{ name: 'postgresql-15', to: NEW }, { name: 'libpq5', to: NEW }])).toBe(
      'apt-get -q -o DPkg::Lock::Timeout=300 -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold --no-install-recommends install --only-upgrade -- postgresql-15=15.20-0+deb12u1 libpq5=15.20-0+deb12u1',
    );
    expect(() => upgradePackagesCommand([{ name: 'postgresql-15', to: '1; rm -rf /' }])).toThrow(/not a Debian package name/);
  });
  it('restarts Postgres with its repmgrd stopped around it, started again whatever the restart did', () => {
    const cmd = restartPostgresCommand(c, REPMGR, 3);
    expect(cmd.split('\n')[0]).toBe('systemctl stop repmgr');
    expect(REPMGR.rejoined(c, 'op-a', 'op-b', 60)).toMatch(/SELECT active FROM repmgr\.nodes WHERE node_name = .*op-b/);
    expect(cmd).toMatch(/systemctl start repmgr \|\| rc=1\nexit \$rc$/);
  });
  it('waits for a streaming standby that replayed the position; refuses what is no position', () => {
    expect(caughtUpCommand(c, '0/3000148')).toMatch(/pg_last_wal_replay_lsn\(\) >= '\\''0\/3000148'\\''::pg_lsn/);
    expect(() => caughtUpCommand(c, "0/1'; DROP")).toThrow(/not a WAL position/);
  });
  it('reads versions with a shell that runs (sh -n) and parses what it prints', () => {
    execFileSync('sh', ['-n', '-c', versionsCommand(c, instanceByName(c, 'op-a')!, REPMGR)]);
    execFileSync('sh', ['-n', '-c', restartPostgresCommand(c, REPMGR)]);
    const v = parseVersions(
      ['m1:installed:postgresql-15=15.18-0+deb12u1', 'm1:candidate:postgresql-15=15.20-0+deb12u1', 'm1:offered=15.20-0+deb12u1', 'm1:offered=15.18-0+deb12u1', 'm1:server_version_num=150018', 'noise'].join('\n'),
    );
    expect(v).toEqual({ installed: { 'postgresql-15': OLD }, candidates: { 'postgresql-15': NEW }, offered: [NEW, OLD], serverVersionNum: 150018, updateFailed: false });
  });
  it('the reading prints installed versions and candidates as dpkg and apt say them (run against this machine, where dpkg is)', () => {
    let out: string;
    try {
      execFileSync('dpkg-query', ['--version'], { stdio: 'ignore' });
    } catch {
      return;
    }
    // Without apt-get update (no root here) and psql: only the package loop.
    const cmd = versionsCommand(c, instanceByName(c, 'op-e')!, REPMGR).split('\n').filter((l) => !l.startsWith('apt-get') && !l.startsWith('n=')).join('\n').replace(/for p in [^;]*;/, "for p in dpkg no-such-package-m1;");
    out = execFileSync('sh', ['-c', cmd]).toString();
    const v = parseVersions(out);
    expect(Object.keys(v.installed)).toEqual(['dpkg']);
    expect(v.installed['dpkg']).toMatch(/^\d/);
  });
});

describe('m1 upgrade: the report', () => {
  it("prints each host's package and running server_version_num before and after, its time, and the switchover", async () => {
    const { formatUpgrade } = await import('../../../playbooks/operate/upgrade/format.js');
    const text = formatUpgrade({
      exitCode: 0,
      changed: true,
      plan: { target: NEW, targetNum: 150020, targetFrom: 'postgres_package_version', primary: 'op-a', before: [], first: [], last: [], atTarget: ['op-e'] },
      versions: [
        { host: 'op-a', packageBefore: OLD, before: 150018, packageAfter: NEW, after: 150020 },
        { host: 'op-e' },
      ],
      hostMs: [{ host: 'op-a', ms: 12_345 }],
      switchovers: [{ from: 'op-a', to: 'op-b', startedAtEpochMs: 0, ms: 15_000, writableAfterMs: 4_200 }],
      readMs: 3_000,
      downloadMs: 9_000,
      ms: 60_000,
    });
    expect(text).toMatch(/op-a +15\.18-0\+deb12u1 +150018 +15\.20-0\+deb12u1 +150020 +12\.3 s/);
    expect(text).toMatch(/op-e +- +- +- +- +at target/);
    expect(text).toContain('upgrade: every server runs 15.20-0+deb12u1 (150020) in 60.0 s: reading 3.0 s, download 9.0 s, switchover op-a -> op-b 15.0 s (writes accepted after 4.2 s)');
  });
});
