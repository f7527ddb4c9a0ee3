/**
 * Scenarios 5, 3 and 1 on one repmgr cluster with PgBouncer on
 * every data node, three data nodes and a cascaded replica (packages in the
 * image):
 *  5. refusals: the primary, the witness, a cascaded replica, a replica whose
 *     Postgres is stopped, an unknown host: each a reason, exit 3, nothing changed;
 *  3. data safety: a client writes numbered rows through the PgBouncer of the
 *     data node that is neither the old nor the new primary while m1
 *     switches over; every acknowledged row is there afterwards;
 *  1. the verification table all passes; m1 status shows the new topology; a
 *     redeploy changes nothing; barman backup succeeds against the new
 *     primary; m1 test passes, and fails naming the check (as does m1 status)
 *     once a replica's Postgres is stopped.
 *  upgrade (issue 13): deployed with postgres_package_version 15.18-0+deb12u1
 *     (bookworm main), then 15.20-0+deb12u1 (bookworm-security) set and m1
 *     upgrade run while a client writes through a PgBouncer: every server runs
 *     150020, no acknowledged row lost, refusals only inside the switchover,
 *     m1 test passes, a second upgrade and the next deploy change nothing;
 *     a major version (exit 2) and an older one (exit 3) refused first.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tlsDir } from '../../../src/secrets/clusterCa.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Instance } from '../../../src/inventory/cluster.js';
import type { ClusterStatus } from '../../../playbooks/operate/health.js';
import { Writer, type WriterResult } from '../../../playbooks/bench/writer.js';
import { upgradeWhileWriting } from '../support/upgradeWhileWriting.js';
import { asBarman, barmanCmd, withWalNudge } from '../../../src/products/barman/commands.js';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { eventually, m1, recapOf, sql, storedSecrets, type CliRun } from '../support/m1.js';
import { e2eClusterName } from '../../support/testCluster.js';

const NAME = e2eClusterName('m1e2eo-sw');
let c: ProvisionedTestCluster;
let primary: string;
let target: string;
let third: string;
let cascaded: string;
let witness: string;
let switched: CliRun;
let writes: WriterResult;

const OLD_MINOR = '15.18-0+deb12u1';
const NEW_MINOR = '15.20-0+deb12u1';

/** cluster_vars.postgres_package_version in config.yml, as a user edits it. */
async function setPackageVersion(version: string): Promise<void> {
  const file = join(c.dir, 'config.yml');
  const text = await readFile(file, 'utf8');
  const without = text.replace(/^ {2}postgres_package_version: .*\n/m, '');
  await writeFile(file, without.replace(/^cluster_vars:\n/m, `cluster_vars:\n  postgres_package_version: '${version}'\n`));
}

const byRole = (pred: (i: Instance) => boolean) => c.cluster.instances.filter(pred).map((i) => i.name);

async function status(): Promise<{ run: CliRun; s: ClusterStatus }> {
  const run = await m1('status', c.dir, '--json');
  return { run, s: JSON.parse(run.out) as ClusterStatus };
}

/** What a refusal must leave as it was: who is primary, who streams from whom, where clients and Barman go, repmgrd not paused. */
function shape(s: ClusterStatus): unknown {
  return {
    primary: s.primary,
    timeline: s.timeline,
    hosts: s.hosts.map((h) => [h.host, h.live, h.upstream ?? '']),
    routes: s.routes.map((r) => [r.id, r.configuredTarget]),
    barman: s.barman.map((b) => [b.server, b.target, b.backups]),
    repmgrd: s.fm.nodes.map((n) => [n.name, n.daemon]),
  };
}

const ssh = async (host: string, cmd: string) => {
  const r = await c.ssh(host, cmd);
  if (r.code !== 0) throw new Error(`${host}: ${cmd}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
};

const streamsFrom = async (host: string, upstream: string) =>
  (await sql(c, host, 'SELECT sender_host FROM pg_stat_wal_receiver WHERE status = $$streaming$$').catch(() => '')) === upstream;

describe('switchover on a repmgr cluster with PgBouncer', () => {
  beforeAll(async () => {
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { postgresql: '15', failoverManager: 'repmgr', dataNodesPerLocation: '3', enablePgbouncer: true, numCascadedReplicas: '1' },
      image: 'm1/debian-packages:bookworm',
      fresh: true,
    });
    // Deployed at bookworm main's minor (the image has it installed); the upgrade scenario at the end goes to bookworm-security's.
    await setPackageVersion(OLD_MINOR);
    const deployed = await m1('deploy', c.dir);
    expect(deployed.code, deployed.out + deployed.err).toBe(0);
    primary = byRole((i) => i.roles.includes('primary'))[0]!;
    const direct = byRole((i) => i.roles.includes('replica') && i.upstream === primary);
    [target, third] = [direct[0]!, direct[1]!];
    cascaded = byRole((i) => i.roles.includes('replica') && i.upstream !== primary)[0]!;
    witness = byRole((i) => i.roles.includes('witness'))[0]!;
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it('the deployed cluster is healthy: m1 status exit 0, m1 test all pass', async () => {
    const { run, s } = await status();
    expect(run.code, JSON.stringify(s.problems)).toBe(0);
    expect(s.primary).toBe(primary);
    expect(s.hosts.find((h) => h.host === cascaded)).toMatchObject({ live: 'replica', upstream: direct(cascaded) });
    const t = await m1('test', c.dir);
    expect(t.code, t.out).toBe(0);
    expect(t.out).not.toMatch(/^FAIL/m);
  });

  it("m1 status lists the primary's replication slots, each active and holding little WAL; max_slot_wal_keep_size caps them at 8GB", async () => {
    const { s } = await status();
    const directReplicas = byRole((i) => i.roles.includes('replica') && i.upstream === primary);
    // One slot per direct replica (repmgr) plus Barman's streaming slot.
    expect(s.slots.length).toBeGreaterThanOrEqual(directReplicas.length + 1);
    for (const sl of s.slots) {
      expect(sl.host).toBe(primary);
      expect(sl.active, sl.name).toBe(true);
      expect(sl.heldBytes ?? 0).toBeLessThan(1024 ** 3);
    }
    expect(await sql(c, primary, 'SHOW max_slot_wal_keep_size')).toBe('8GB');
    expect((await m1('status', c.dir)).out).toMatch(new RegExp(`replication slots on ${primary}:`));
  });

  function direct(h: string) {
    return c.cluster.instances.find((i) => i.name === h)!.upstream!;
  }

  it('scenario 5: refuses the primary, the witness, a cascaded replica, a stopped replica and an unknown host (exit 3, nothing changed)', async () => {
    const before = shape((await status()).s);
    const cases: [string, RegExp][] = [
      [primary, /is already the primary/],
      [witness, /is the witness, not a data node/],
      [cascaded, /is a cascaded replica: it streams from/],
      ['no-such-host', /no-such-host is not a host of cluster/],
    ];
    for (const [t, why] of cases) {
      const r = await m1('switchover', c.dir, t);
      expect(r.code, `${t}: ${r.out}${r.err}`).toBe(3);
      expect(r.err).toMatch(new RegExp(`^m1: switchover to ${t} refused: `));
      expect(r.err).toMatch(why);
      expect(r.err.trim().split('\n')).toHaveLength(1);
    }
    await ssh(third, 'systemctl stop postgres');
    try {
      const r = await m1('switchover', c.dir, third);
      expect(r.code, r.out + r.err).toBe(3);
      expect(r.err).toMatch(new RegExp(`Postgres on ${third} is not running; start it`));
    } finally {
      await ssh(third, 'systemctl start postgres');
    }
    expect(await eventually(() => streamsFrom(third, primary), 60_000, 1000)).toBe(true);
    // repmgrd re-registers with its restarted local Postgres on its next monitoring pass, a few seconds later.
    let after: unknown;
    await eventually(async () => JSON.stringify((after = shape((await status()).s))) === JSON.stringify(before), 60_000, 2000);
    expect(after).toEqual(before);
  });

  it('scenario 3: every write acknowledged through a third node\'s PgBouncer survives the switchover', async () => {
    await sql(c, primary, 'CREATE TABLE IF NOT EXISTS m1e2e_safety (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); ALTER TABLE m1e2e_safety OWNER TO app', 'app');
    const address = c.inventory.hosts.find((h) => h.name === third)!.address;
    const password = (await storedSecrets(c.dir))['app']!;
    const writer = new Writer({ host: address, port: 6432, user: 'app', database: 'app', password, table: 'm1e2e_safety', caFile: join(tlsDir(c.dir), 'ca.crt') }).start();
    try {
      await writer.waitForMore(100, 120_000);
      const t0 = Date.now();
      switched = await m1('switchover', c.dir, target);
      const took = Date.now() - t0;
      await writer.waitForMore(100, 180_000);
      writes = await writer.stop();
      console.log(
        `switchover ${primary} -> ${target}: ${(took / 1000).toFixed(1)} s; writer: ${writes.acked.length} acknowledged, ${writes.failures} failed attempts; ` +
          `longest window without a successful write ${(writes.longestGapMs / 1000).toFixed(1)} s (from ${(writes.longestGapFromMs / 1000).toFixed(1)} s)`,
      );
    } finally {
      await writer.stop();
    }
    expect(switched.code, switched.out + switched.err).toBe(0);
    const present = new Set((await sql(c, target, 'SELECT id FROM m1e2e_safety', 'app')).split('\n').filter(Boolean).map(Number));
    const lost = writes.acked.filter((a) => !present.has(a.id)).map((a) => a.id);
    expect(lost).toEqual([]);
    expect(writes.acked.length).toBeGreaterThanOrEqual(200);
    // The writer kept going: its longest pause is shorter than the whole command.
    expect(writes.longestGapMs).toBeLessThan(Number(/done in ([\d.]+) s/.exec(switched.out)?.[1] ?? 0) * 1000 + 5000);
  });

  it('scenario 1: the verification table passes every row', () => {
    const rows = switched.out.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    expect(rows.filter((l) => l.startsWith('FAIL')), switched.out).toEqual([]);
    const text = rows.join('\n');
    expect(text).toContain(`${target} accepts writes`);
    expect(text).toContain(`${primary} (old primary) streams from ${target}`);
    expect(text).toContain(`${third} follows ${target}`);
    expect(text).toContain(`${cascaded} still streams from ${direct(cascaded)} (cascaded)`);
    for (const h of byRole((i) => i.roles.includes('pgbouncer'))) expect(text).toContain(`PgBouncer ${h}:6432 reaches ${target}`);
    expect(text).toMatch(new RegExp(`Barman \\S+ backs up ${target}`));
  });

  it("scenario 1: m1 status shows the new topology (exit 0); the switchover restarted the repmgrd of the standby cascaded from the target (else it would watch it as a standby), so a redeploy changes nothing", async () => {
    const { run, s } = await status();
    expect(run.code, JSON.stringify(s.problems)).toBe(0);
    expect(s.primary).toBe(target);
    expect(s.hosts.find((h) => h.host === primary)).toMatchObject({ live: 'replica', upstream: target, replication: 'streaming' });
    expect(s.hosts.find((h) => h.host === third)).toMatchObject({ live: 'replica', upstream: target });
    expect(s.fm.primary).toBe(target);
    expect(s.routes.every((r) => r.reaches === target && r.reachesPrimary)).toBe(true);
    expect(s.barman[0]?.target).toBe(target);
    expect(s.drift).toContain(`${target} is the primary now; config.yml names ${primary} (config.yml is left as it is)`);
    expect(direct(cascaded)).toBe(target);
    expect(switched.out).toContain(`restart repmgrd on ${cascaded} (it streams from ${target}, the primary now, and watched it as a standby)`);
    const again = await m1('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    for (const [host, r] of Object.entries(recapOf(again.out))) expect(r.changed, `${host}: ${again.out}`).toBe(0);
  });

  it('scenario 1: barman backup succeeds against the new primary, on its timeline', async () => {
    const { s } = await status();
    const b = s.barman[0]!;
    // The base backup the switchover started (detached) must be done first: Barman runs one at a time.
    expect(await eventually(async () => (await c.ssh(b.host, "systemctl list-units 'm1-barman-backup-*' --state=active --no-legend | grep -c . || true")).stdout.trim() === '0', 300_000, 2000)).toBe(true);
    // --wait needs WAL written after the backup: the barman role's nudge writes some on the new primary meanwhile.
    const r = await c.ssh(b.host, `cd / && ${asBarman(withWalNudge(barmanCmd('backup', '--wait', b.server), target, 120))}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const list = JSON.parse((await c.ssh(b.host, `runuser -u barman -- barman -f json list-backups ${b.server}`)).stdout) as Record<string, { status: string; timeline?: number; end_wal?: string }[]>;
    const backups = list[b.server]!;
    expect(backups.length).toBeGreaterThanOrEqual(3);
    expect(backups.every((x) => x.status === 'DONE')).toBe(true);
  });

  it('scenario 1: m1 test passes, then fails naming the check once a replica\'s Postgres is stopped; so does m1 status', async () => {
    const ok = await m1('test', c.dir);
    expect(ok.code, ok.out).toBe(0);
    await ssh(third, 'systemctl stop postgres');
    try {
      const bad = await m1('test', c.dir);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(new RegExp(`^FAIL +${third} reads the write +Postgres is not running`, 'm'));
      expect(bad.out).toMatch(/checks FAILED: .*reads the write/);
      const st = await m1('status', c.dir);
      expect(st.code).toBe(1);
      expect(st.out).toContain(`${third}: Postgres is not running`);
    } finally {
      await ssh(third, 'systemctl start postgres');
    }
    expect(await eventually(() => streamsFrom(third, target), 60_000, 1000)).toBe(true);
  });
  it('upgrade: a rolling minor upgrade 15.18 -> 15.20 under a writer through PgBouncer loses nothing, refuses writes only inside the switchover; a rerun and the next deploy change nothing', async () => {
    const postgresHosts = byRole((i) => i.roles.includes('primary') || i.roles.includes('replica') || i.roles.includes('witness'));
    const versionNums = async () => Object.fromEntries(await Promise.all(postgresHosts.map(async (h) => [h, await sql(c, h, 'SHOW server_version_num')] as const)));
    expect(new Set(Object.values(await versionNums()))).toEqual(new Set(['150018']));

    // Refused before anything changes: a major version (exit 2, config.yml asks for what upgrade does not do), an older minor (exit 3).
    await setPackageVersion('16.6-0+deb13u1');
    const major = await m1('upgrade', c.dir);
    expect(major.code, major.out + major.err).toBe(2);
    expect(major.err).toMatch(/postgres_package_version 16\.6-0\+deb13u1 is PostgreSQL 16, the cluster runs PostgreSQL 15 .*a major upgrade/);
    await setPackageVersion('15.9-0+deb12u1');
    const older = await m1('upgrade', c.dir);
    expect(older.code, older.out + older.err).toBe(3);
    expect(older.err).toMatch(/the target 15\.9-0\+deb12u1 is older than postgresql-15 15\.18-0\+deb12u1 installed on .*never downgrades/);
    expect(new Set(Object.values(await versionNums()))).toEqual(new Set(['150018']));

    await setPackageVersion(NEW_MINOR);
    const { s: before } = await status();
    const writerHost = third;
    await sql(c, before.primary!, 'CREATE TABLE IF NOT EXISTS m1e2e_upgrade (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); ALTER TABLE m1e2e_upgrade OWNER TO app', 'app');
    const address = c.inventory.hosts.find((h) => h.name === writerHost)!.address;
    const password = (await storedSecrets(c.dir))['app']!;
    const writer = new Writer({ host: address, port: 6432, user: 'app', database: 'app', password, table: 'm1e2e_upgrade', caFile: join(tlsDir(c.dir), 'ca.crt') }).start();
    const { up, out } = await upgradeWhileWriting(c.dir, writer, {
      label: `${OLD_MINOR} -> ${NEW_MINOR}`,
      through: `${writerHost}'s PgBouncer`,
      idsOn: async (host) => new Set((await sql(c, host, 'SELECT id FROM m1e2e_upgrade', 'app')).split('\n').filter(Boolean).map(Number)),
    });
    expect(out.switchovers[0]!.from).toBe(before.primary);
    // Every server runs the new minor, and the report says so host by host.
    expect(new Set(Object.values(await versionNums()))).toEqual(new Set(['150020']));
    for (const h of postgresHosts) expect(out.versions.find((v) => v.host === h)).toMatchObject({ before: 150018, after: 150020, packageBefore: OLD_MINOR, packageAfter: NEW_MINOR });
    expect(up.err).toMatch(/automatic failover PAUSED on every member/);

    const t = await m1('test', c.dir);
    expect(t.code, t.out).toBe(0);
    const again = await m1('upgrade', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain(`every host runs ${NEW_MINOR}: nothing to do`);
    const redeploy = await m1('deploy', c.dir);
    expect(redeploy.code, redeploy.out + redeploy.err).toBe(0);
    for (const [host, r] of Object.entries(recapOf(redeploy.out))) expect(r.changed, `${host}: ${redeploy.out}`).toBe(0);
  });
});
