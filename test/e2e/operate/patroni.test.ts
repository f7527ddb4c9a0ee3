/**
 * Scenario 2: a Patroni cluster with HAProxy (two data nodes,
 * Barman, three etcd, two HAProxy). m1 switchover goes through patronictl;
 * a client writing through an HAProxy loses no acknowledged row; the table
 * passes every row (both HAProxy write ports reach the new leader, read
 * ports a replica, Barman follows); m1 status shows the new topology; barman
 * backup succeeds against the new primary; m1 test passes, and fails naming
 * the check (as does m1 status) once the replica's Postgres is stopped.
 */
import { join } from 'node:path';
import { tlsDir } from '../../../src/secrets/clusterCa.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../../playbooks/operate/health.js';
import { Writer, type WriterResult } from '../../../playbooks/bench/writer.js';
import { patroniServiceName } from '../../../src/products/patroni/settings.js';
import { asBarman, barmanCmd, withWalNudge } from '../../../src/products/barman/commands.js';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { likeFreshHosts } from '../patroni/support.js';
import { eventually, m1, recapOf, sql, storedSecrets, type CliRun } from '../support/m1.js';
import { FOLLOW_WITHIN_S, lateEntryPoints, type DrillReport } from '../../../playbooks/drill/report.js';
import { e2eClusterName } from '../../support/testCluster.js';

const NAME = e2eClusterName('m1e2eo-pa');
let c: ProvisionedTestCluster;
let leader: string;
let replica: string;
let haproxy: string;
let switched: CliRun;
let writes: WriterResult;

async function status(): Promise<{ run: CliRun; s: ClusterStatus }> {
  const run = await m1('status', c.dir, '--json');
  return { run, s: JSON.parse(run.out) as ClusterStatus };
}

describe('scenario 2: switchover on a Patroni cluster with HAProxy', () => {
  beforeAll(async () => {
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { postgresql: '15', failoverManager: 'patroni', enableHaproxy: true },
      image: 'm1/debian-packages:bookworm',
      fresh: true,
    });
    await likeFreshHosts(c);
    const d = await m1('deploy', c.dir);
    expect(d.code, d.out + d.err).toBe(0);
    leader = c.cluster.instances.find((i) => i.roles.includes('primary'))!.name;
    replica = c.cluster.instances.find((i) => i.roles.includes('replica'))!.name;
    haproxy = c.cluster.instances.find((i) => i.roles.includes('haproxy'))!.name;
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it('refuses the leader itself and an etcd host (exit 3)', async () => {
    const r = await m1('switchover', c.dir, leader);
    expect(r.code).toBe(3);
    expect(r.err).toMatch(/is already the primary/);
    const etcd = c.cluster.instances.find((i) => i.roles.includes('etcd'))!.name;
    const e = await m1('switchover', c.dir, etcd);
    expect(e.code).toBe(3);
    expect(e.err).toMatch(/is an etcd host, not a data node/);
  });

  it('switches over through patronictl while a client writes through HAProxy: no acknowledged row lost', async () => {
    await sql(c, leader, 'CREATE TABLE IF NOT EXISTS m1e2e_safety (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); ALTER TABLE m1e2e_safety OWNER TO app', 'app');
    const address = c.inventory.hosts.find((h) => h.name === haproxy)!.address;
    const writer = new Writer({ host: address, port: 5432, user: 'app', database: 'app', password: (await storedSecrets(c.dir))['app']!, table: 'm1e2e_safety', caFile: join(tlsDir(c.dir), 'ca.crt') }).start();
    try {
      await writer.waitForMore(100, 120_000);
      switched = await m1('switchover', c.dir, replica);
      await writer.waitForMore(100, 180_000);
      writes = await writer.stop();
      console.log(`patroni switchover ${leader} -> ${replica}: ${/done in ([\d.]+) s/.exec(switched.out)?.[1]} s; longest window without a successful write through HAProxy ${(writes.longestGapMs / 1000).toFixed(1)} s; ${writes.acked.length} acknowledged, ${writes.failures} failed attempts`);
    } finally {
      await writer.stop();
    }
    expect(switched.code, switched.out + switched.err).toBe(0);
    const present = new Set((await sql(c, replica, 'SELECT id FROM m1e2e_safety', 'app')).split('\n').filter(Boolean).map(Number));
    expect(writes.acked.filter((a) => !present.has(a.id)).map((a) => a.id)).toEqual([]);
  });

  it('the verification table passes every row, HAProxy and Barman included', () => {
    const rows = switched.out.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    expect(rows.filter((l) => l.startsWith('FAIL')), switched.out).toEqual([]);
    const text = rows.join('\n');
    expect(text).toContain(`${replica} accepts writes`);
    expect(text).toContain(`${leader} (old primary) streams from ${replica}`);
    expect(text).toContain(`patroni takes ${replica} for the primary`);
    for (const h of c.cluster.instances.filter((i) => i.roles.includes('haproxy'))) {
      expect(text).toContain(`HAProxy writes ${h.name}:5432 reaches ${replica}`);
      expect(text).toContain(`HAProxy reads ${h.name}:5433 reaches a replica`);
    }
    expect(text).toMatch(new RegExp(`Barman \\S+ backs up ${replica}`));
  });

  it('m1 status shows the new topology (exit 0); barman backup succeeds against the new primary', async () => {
    const { run, s } = await status();
    expect(run.code, JSON.stringify(s.problems)).toBe(0);
    expect(s.primary).toBe(replica);
    expect(s.fm).toMatchObject({ manager: 'patroni', primary: replica });
    expect(s.hosts.find((h) => h.host === leader)).toMatchObject({ live: 'replica', upstream: replica });
    expect(s.routes.filter((r) => r.wants === 'primary').every((r) => r.reaches === replica)).toBe(true);
    const b = s.barman[0]!;
    expect(b.target).toBe(replica);
    expect(await eventually(async () => (await c.ssh(b.host, "systemctl list-units 'm1-barman-backup-*' --state=active --no-legend | grep -c . || true")).stdout.trim() === '0', 300_000, 2000)).toBe(true);
    const r = await c.ssh(b.host, `cd / && ${asBarman(withWalNudge(barmanCmd('backup', '--wait', b.server), replica, 120))}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });

  it('m1 test passes, then fails naming the check once the replica\'s Postgres is stopped; so does m1 status', async () => {
    const ok = await m1('test', c.dir);
    expect(ok.code, ok.out).toBe(0);
    const unit = patroniServiceName(c.cluster);
    await c.ssh(leader, `systemctl stop ${unit}`);
    try {
      const bad = await m1('test', c.dir);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(new RegExp(`^FAIL +${leader} reads the write +Postgres is not running`, 'm'));
      const st = await m1('status', c.dir);
      expect(st.code).toBe(1);
      expect(st.out).toContain(`${leader}: Postgres is not running`);
    } finally {
      await c.ssh(leader, `systemctl start ${unit}`);
    }
    expect(await eventually(async () => (await sql(c, leader, 'SELECT pg_is_in_recovery()').catch(() => '')) === 't', 120_000, 2000)).toBe(true);
  });

  it("a replica refuses an upstream whose certificate the cluster CA did not sign: it stops streaming, and streams again once the certificate is back", async () => {
    // Since the switchover `replica` leads and `leader` follows it.
    const upstream = replica;
    const follower = leader;
    const ip = c.inventory.hosts.find((h) => h.name === upstream)!.address;
    const crt = `/etc/m1/ssl/${upstream}.crt`;
    const key = `/etc/m1/ssl/${upstream}.key`;
    const streaming = async () => (await sql(c, follower, 'SELECT status FROM pg_stat_wal_receiver').catch(() => '')) === 'streaming';
    expect(await eventually(streaming, 60_000, 1000)).toBe(true);
    // Same names and address, signed by itself: only the CA differs.
    const swap = await c.ssh(
      upstream,
      `cp -p ${crt} ${crt}.m1e2e && cp -p ${key} ${key}.m1e2e && ` +
        `openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=${upstream} -addext subjectAltName=DNS:${upstream},IP:${ip} -keyout ${key} -out ${crt} 2>/dev/null && ` +
        `chown postgres:postgres ${crt} ${key} && chmod 0600 ${key}`,
    );
    expect(swap.code, swap.stderr).toBe(0);
    try {
      await sql(c, upstream, 'SELECT pg_reload_conf()');
      await sql(c, upstream, `SELECT pg_terminate_backend(pid) FROM pg_stat_replication WHERE application_name = '${follower}'`);
      let streamed = false;
      for (let n = 0; n < 10; n++) {
        await new Promise((r) => setTimeout(r, 1000));
        if (await streaming()) streamed = true;
      }
      expect(streamed, `${follower} streamed from ${upstream} presenting a certificate the cluster CA did not sign`).toBe(false);
      const journal = await c.ssh(follower, "journalctl --no-pager -o cat --since '-30 s' | grep -c 'certificate verify failed' || true");
      expect(Number(journal.stdout.trim())).toBeGreaterThan(0);
    } finally {
      await c.ssh(upstream, `mv ${crt}.m1e2e ${crt} && mv ${key}.m1e2e ${key}`);
      await sql(c, upstream, 'SELECT pg_reload_conf()');
    }
    expect(await eventually(streaming, 60_000, 1000)).toBe(true);
  });

  for (const scenario of ['crash-primary', 'partition-primary'] as const) {
    it(`m1 drill ${scenario}: Patroni promotes the replica, the old leader stops taking writes first (it loses the DCS), never two writers, healed, m1 test passes; the next deploy changes nothing`, async () => {
      // The drill refuses a cluster that is not healthy: after the last test (or drill) HAProxy needs its checks to rise again.
      expect(await eventually(async () => (await m1('status', c.dir)).code === 0, 90_000, 3000)).toBe(true);
      const r = await m1('drill', c.dir, scenario, '--duration', '60', '--yes', '--json');
      expect(r.out, r.err).toContain('{');
      const report = JSON.parse(r.out.slice(r.out.indexOf('{'))) as DrillReport;
      console.log(`Patroni drill ${scenario}: ${JSON.stringify(report)}`);
      expect(r.code, r.out + r.err).toBe(0);
      expect(report.split_brain_s).toBe(0);
      expect(report.promote_s).not.toBeNull();
      // The leader key's lease ends 10–20 s after the fault (ttl 20, renewed every loop_wait 10), then Patroni gives the dead
      // leader 2 s: at most 22 s documented (17 s on average); the margin is for CI's load.
      expect(report.promote_s!).toBeLessThanOrEqual(22 + 8);
      if (scenario === 'partition-primary') {
        expect(report.fence_s).not.toBeNull();
        expect(report.fence_s!).toBeLessThan(report.promote_s!);
      }
      expect(report.healthy_after).toBe(true);
      // Writes through each HAProxy (5432) reach the new leader and stay there.
      const writes = report.entry_points.filter((e) => e.port === 5432);
      expect(writes.length).toBeGreaterThan(0);
      for (const e of writes) expect(e.follow_s, JSON.stringify(e)).not.toBeNull();
      // Reads through each HAProxy (5433) keep working: with the only replica promoted they go to the leader.
      const reads = report.entry_points.filter((e) => e.port === 5433);
      expect(reads.length).toBeGreaterThan(0);
      for (const e of reads) expect(e.follow_s, JSON.stringify(e)).not.toBeNull();
      // HAProxy runs on hosts of its own: none was struck.
      expect(lateEntryPoints(report, undefined), `every HAProxy port reaches the new leader within ${FOLLOW_WITHIN_S} s of the promotion`).toEqual([]);
      const again = await m1('deploy', c.dir);
      expect(again.code, again.out + again.err).toBe(0);
      for (const [host, x] of Object.entries(recapOf(again.out))) expect(x.changed, `${host}: ${again.out}`).toBe(0);
    });
  }
});
