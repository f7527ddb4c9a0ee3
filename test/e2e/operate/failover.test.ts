/**
 * Scenario 4 on the default repmgr layout with PgBouncer: the
 * primary's container is killed (a crash: its server is not shut down
 * cleanly, so its WAL diverges from the promoted replica's and the rejoin
 * below really rewinds); repmgrd promotes the replica; m1 status says
 * so (degraded: the old primary is gone, Barman and PgBouncer still point at
 * it). The old primary's container comes back: m1's fence (an ExecStartPre
 * of postgres.service) sees the live primary and keeps its Postgres down, so
 * for the ~20 s watched it accepts no write and m1 status shows one primary.
 * m1 rejoin refuses the primary and a non-data host; then brings the old
 * primary back as a standby of the new one by itself (the rewind report
 * first, CHECKPOINT on the new primary, repmgr node rejoin --force-rewind,
 * its own configuration files put back, registered, streaming), touching
 * nothing else: it says Barman still backs up the old primary. A second
 * rejoin has nothing to do. The next deploy warns about the drift and moves
 * Barman: barman check OK, a new backup on the new timeline, the old backups
 * still listed; exactly one primary; m1 test passes; a further deploy
 * changes nothing. (Deploy's own rejoin of a former primary is covered by
 * repmgr/locations.test.ts and the drills.)
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../../playbooks/operate/health.js';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { clusterShow, eventually, m1, sql, type CliRun } from '../support/m1.js';
import { e2eClusterName } from '../../support/testCluster.js';
import { ensureBuilt } from '../../support/dist.js';
import { packageRoot } from '../../../src/packageRoot.js';

const run = promisify(execFile);
const NAME = e2eClusterName('m1e2eo-fo');
let c: ProvisionedTestCluster;
let oldPrimary: string;
let replica: string;
let barmanHost: string;
let server: string;
let backupsBefore: { id: string; timeline: number }[];

/** m1 status, waiting long enough to read everything (its 3 s default cuts barman check short with a host dead). */
async function status(): Promise<{ run: CliRun; s: ClusterStatus }> {
  const r = await m1('status', c.dir, '--json', '--timeout', '30');
  return { run: r, s: JSON.parse(r.out) as ClusterStatus };
}

/** Backups Barman lists, each with its timeline (from its backup.info: list-backups' JSON has none). */
async function backups(): Promise<{ id: string; timeline: number; status: string }[]> {
  const r = await c.ssh(barmanHost, `runuser -u barman -- barman -f json list-backups ${server}`);
  const listed = ((JSON.parse(r.stdout) as Record<string, { backup_id: string; status: string }[]>)[server] ?? []).map((b) => b.backup_id);
  const info = await c.ssh(barmanHost, `for f in /var/lib/barman/${server}/base/*/backup.info; do echo "$(basename "$(dirname "$f")") $(sed -n 's/^status=//p' "$f") $(sed -n 's/^timeline=//p' "$f")"; done`);
  return info.stdout
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' '))
    .filter(([id]) => listed.includes(id!))
    .map(([id, status, timeline]) => ({ id: id!, status: status!, timeline: Number(timeline) }));
}

const recovery = (host: string) => sql(c, host, 'SELECT pg_is_in_recovery()').catch(() => '?');

describe('scenario 4: failover, then deploy follows the new primary', () => {
  beforeAll(async () => {
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { postgresql: '15', failoverManager: 'repmgr', enablePgbouncer: true },
      image: 'm1/debian-packages:bookworm',
      fresh: true,
    });
    const d = await m1('deploy', c.dir);
    expect(d.code, d.out + d.err).toBe(0);
    oldPrimary = c.cluster.instances.find((i) => i.roles.includes('primary'))!.name;
    replica = c.cluster.instances.find((i) => i.roles.includes('replica'))!.name;
    barmanHost = c.cluster.instances.find((i) => i.roles.includes('barman'))!.name;
    const { s } = await status();
    server = s.barman[0]!.server;
    backupsBefore = await backups();
    expect(backupsBefore.length).toBeGreaterThanOrEqual(1);
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it('the primary\'s container is killed; repmgrd promotes the replica; m1 status shows it, degraded', async () => {
    await run('docker', ['kill', oldPrimary]);
    expect(await eventually(async () => (await recovery(replica)) === 'f', 120_000, 1000), `${replica} not promoted`).toBe(true);
    const { run: r, s } = await status();
    expect(r.code).toBe(1);
    expect(s.primary).toBe(replica);
    expect(s.hosts.find((h) => h.host === oldPrimary)).toMatchObject({ reachable: false, live: 'down' });
    expect(s.problems.some((p) => p.startsWith(`${oldPrimary}: unreachable`))).toBe(true);
    expect(s.problems).toContain(`Barman server ${server} on ${barmanHost} backs up ${oldPrimary}, not the primary ${replica}; run m1 deploy to retarget it`);
    expect(s.drift).toContain(`${replica} is the primary now; config.yml names ${oldPrimary} (config.yml is left as it is)`);
  });

  it('m1 status, the whole process, answers within its 3 s default while the old primary is dead, naming it', async () => {
    await ensureBuilt();
    const t = performance.now();
    const r = await new Promise<{ code: number; out: string }>((resolve) =>
      execFile(process.execPath, [join(packageRoot, 'bin', 'm1.js'), 'status', c.dir, '--json'], { timeout: 60_000 }, (err, out) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, out })),
    );
    const secs = (performance.now() - t) / 1000;
    console.log(`m1 status with ${oldPrimary} dead: ${secs.toFixed(2)} s (whole process)`);
    expect(r.code).toBe(1);
    // 3 s and a margin for spawning node on a loaded machine.
    expect(secs).toBeLessThan(4);
    const s = JSON.parse(r.out) as ClusterStatus;
    expect(s.hosts.find((h) => h.host === oldPrimary)).toMatchObject({ reachable: false });
    expect(s.problems.some((p) => p.startsWith(`${oldPrimary}: unreachable`) || p.startsWith(`${oldPrimary}: not read within 3 s`)), JSON.stringify(s.problems)).toBe(true);
  });

  it('the old primary\'s container comes back: its Postgres stays down (the fence), no write for 20 s, one primary', async () => {
    await run('docker', ['start', oldPrimary]);
    expect(await eventually(async () => (await c.ssh(oldPrimary, 'systemctl is-system-running --wait >/dev/null; true')).code === 0, 120_000, 1000), `${oldPrimary} not back`).toBe(true);
    // systemd tried to start postgres at boot; the fence refused, naming the live primary.
    const unit = await c.ssh(oldPrimary, 'systemctl show -p ActiveState --value postgres; journalctl -u postgres -b --no-pager -o cat | grep "m1 fence"');
    expect(unit.stdout, unit.stdout + unit.stderr).toMatch(/^(failed|inactive)\n/);
    expect(unit.stdout).toContain(`not starting Postgres on ${oldPrimary} as a second primary: ${replica} runs as primary now`);
    const until = Date.now() + 20_000;
    let attempts = 0;
    while (Date.now() < until) {
      const wrote = await sql(c, oldPrimary, 'CREATE TABLE IF NOT EXISTS m1e2e_fence (x int); INSERT INTO m1e2e_fence VALUES (1)').then(
        () => true,
        () => false,
      );
      expect(wrote, `${oldPrimary} accepted a write`).toBe(false);
      attempts++;
      await new Promise((r) => setTimeout(r, 2000));
    }
    expect(attempts).toBeGreaterThanOrEqual(5);
    const { s } = await status();
    expect(s.primaries).toEqual([replica]);
  });

  it('m1 rejoin refuses the primary (exit 3) and a host that is not a data node (exit 2), changing nothing', async () => {
    const p = await m1('rejoin', c.dir, replica);
    expect(p.code, p.out + p.err).toBe(3);
    expect(p.err).toMatch(new RegExp(`${replica} is the primary: nothing to rejoin it to`));
    const b = await m1('rejoin', c.dir, barmanHost);
    expect(b.code, b.out + b.err).toBe(2);
    expect(b.err).toMatch(new RegExp(`${barmanHost} is not a data node`));
    expect((await c.ssh(oldPrimary, 'systemctl is-active postgres')).stdout.trim()).not.toBe('active');
  });

  it('m1 rejoin brings the old primary back as a standby of the new one, reporting what the rewind discards; a second m1 rejoin has nothing to do', async () => {
    const t = performance.now();
    const r = await m1('rejoin', c.dir, oldPrimary);
    const secs = ((performance.now() - t) / 1000).toFixed(1);
    expect(r.code, r.out + r.err).toBe(0);
    console.log(`m1 rejoin ${oldPrimary}: ${secs} s`);
    // The crash left WAL on the old primary past the fork: said before the rewind, and kept.
    expect(r.out).toMatch(/rewind report:/);
    expect(r.out).toContain(`${oldPrimary} is a standby streaming from ${replica}`);
    // The run was limited to the old primary, yet it told the new primary's fence first not to count it while stopped.
    expect((await c.ssh(replica, 'cat /run/m1-fence/planned-out')).stdout).toMatch(new RegExp(`^${oldPrimary} \\d+$`, 'm'));
    // Only the host rejoined: Barman still backs up the old primary until the next deploy, and the output says so.
    expect(r.out).toContain(`Barman server ${server} on ${barmanHost} backs up ${oldPrimary}, not the primary ${replica}; run m1 deploy to retarget it`);
    expect(await recovery(oldPrimary)).toBe('t');
    // Its own configuration, not the one pg_rewind copied from the new primary (which names that host's certificate).
    expect(await sql(c, oldPrimary, 'SHOW ssl_cert_file')).toBe(`/etc/m1/ssl/${oldPrimary}.crt`);
    expect(await sql(c, oldPrimary, "SELECT sender_host FROM pg_stat_wal_receiver WHERE status = 'streaming'")).toBe(replica);
    // repmgr knows it as a running standby of the new primary.
    const rows = await clusterShow(c, replica);
    expect(rows.find((x) => x.name === oldPrimary), JSON.stringify(rows)).toMatchObject({ role: 'standby', status: expect.stringMatching(/running$/), upstream: replica });
    const again = await m1('rejoin', c.dir, oldPrimary);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain(`${oldPrimary} is a standby streaming from ${replica} already: nothing to rejoin`);
  });

  it('the next deploy moves Barman and PgBouncer to the new primary, and rejoins nothing', async () => {
    const d = await m1('deploy', c.dir);
    expect(d.code, d.out + d.err).toBe(0);
    expect(d.out).toContain(`warning: ${replica} is the primary now; config.yml names ${oldPrimary}`);
    expect(d.out).not.toMatch(/several hosts run as primary|rejoin /);
  });

  it('Barman follows the new primary: check OK, a new backup on the new timeline, the old backups still listed', async () => {
    const { s } = await status();
    const b = s.barman[0]!;
    expect(b.target).toBe(replica);
    expect(b.check?.ok, JSON.stringify(b.check)).toBe(true);
    const now = await backups();
    for (const old of backupsBefore) expect(now.map((x) => x.id)).toContain(old.id);
    const fresh = now.filter((x) => !backupsBefore.some((o) => o.id === x.id));
    expect(fresh.length).toBeGreaterThanOrEqual(1);
    const timeline = Number(await sql(c, replica, "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"));
    expect(timeline).toBeGreaterThan(Math.max(...backupsBefore.map((x) => x.timeline)));
    expect(fresh.some((x) => x.timeline === timeline && x.status === 'DONE'), JSON.stringify(fresh)).toBe(true);
  });

  it('exactly one primary; m1 status healthy; m1 test passes', async () => {
    const { run: r, s } = await status();
    expect(s.primaries).toEqual([replica]);
    expect(r.code, JSON.stringify(s.problems)).toBe(0);
    const t = await m1('test', c.dir);
    expect(t.code, t.out).toBe(0);
  });

  it('a further deploy changes nothing', async () => {
    const d = await m1('deploy', c.dir);
    expect(d.code, d.out + d.err).toBe(0);
    expect(d.out).toMatch(/nothing to change/);
  });
});
