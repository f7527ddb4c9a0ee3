/**
 * Scenario 2, PgBouncer's part: two locations, two data nodes
 * each, PgBouncer on every data node (`--enable-pgbouncer`) and
 * `repmgr_redirect_pgbouncer: true`. From the test machine, a write through
 * every PgBouncer (port 6432, TLS, SCRAM through auth_query) lands on the
 * primary; the cascaded replica streams from its location's first node; after
 * the primary's container is stopped, repmgrd promotes a replica within 60 s
 * and every remaining PgBouncer sends writes to the new primary.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRole } from '../../../src/inventory/cluster.js';
import { databasesTarget } from '../../../src/products/pgbouncer/databases.js';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { asPostgres, eventually, leakedSecrets, m1, recapOf, runLogs, sql, storedSecrets, type CliRun } from '../support/m1.js';
import { healPartitionCommand, partitionCommand } from '../../../playbooks/drill/faults.js';
import { FOLLOW_WITHIN_S, lateEntryPoints, unreportedLoss, type DrillReport } from '../../../playbooks/drill/report.js';
import { e2eClusterName } from '../../support/testCluster.js';
import { clientPsql, SESSION_QUERY } from '../support/verifiedClient.js';

const NAME = e2eClusterName('m1e2eb-pgb');
let c: ProvisionedTestCluster;
let first: CliRun;
let pgbouncers: string[];
let primary: string;
let passwords: Record<string, string>;

function address(host: string): string {
  return c.inventory.hosts.find((h) => h.name === host)!.address;
}

/** psql from the test machine through a host's PgBouncer, as a client does (the application user app, into its database) over TLS. */
function viaPgbouncer(host: string, query: string, sslmode = 'require', user = 'app'): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', query, `host=${address(host)} port=6432 dbname=${user === 'app' ? 'app' : 'postgres'} user=${user} sslmode=${sslmode} connect_timeout=5`],
      { env: { ...process.env, PGPASSWORD: passwords[user] }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** Inserts a row through a PgBouncer; returns the address of the server that took it. */
async function writeVia(host: string): Promise<string> {
  const r = await viaPgbouncer(host, `INSERT INTO m1e2eb_writes (via) VALUES ('${host}') RETURNING host(inet_server_addr())`);
  if (r.code !== 0) throw new Error(`write through ${host}:6432 failed: ${r.stderr.trim()}`);
  return r.stdout.trim();
}

describe('scenario 2: PgBouncer on every data node follows the primary', () => {
  beforeAll(async () => {
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { postgresql: '15', failoverManager: 'repmgr', locationNames: ['main', 'dr'], dataNodesPerLocation: '2', enablePgbouncer: true },
      image: 'm1/debian-packages:bookworm',
      fresh: !process.env['M1E2EB_REUSE'],
    });
    // repmgr_redirect_pgbouncer: true under cluster_vars (deploy reads config.yml again).
    const file = join(c.dir, 'config.yml');
    const doc = parseDocument(await readFile(file, 'utf8'));
    doc.setIn(['cluster_vars', 'repmgr_redirect_pgbouncer'], true);
    await writeFile(file, doc.toString());

    const t0 = Date.now();
    first = await m1('deploy', c.dir);
    console.log(`scenario 2 first deploy: ${Date.now() - t0} ms`);
    pgbouncers = c.cluster.instances.filter((i) => hasRole(i, 'pgbouncer')).map((i) => i.name);
    primary = c.cluster.instances.find((i) => hasRole(i, 'primary'))!.name;
    passwords = await storedSecrets(c.dir);
  });
  afterAll(async () => {
    if (!process.env['M1E2EB_KEEP']) await c?.teardown();
  });

  it('deploys (exit 0), no password in its output or logs', async () => {
    expect(first.code, first.out.slice(-4000) + first.err).toBe(0);
    expect(leakedSecrets(await storedSecrets(c.dir), [first.out, first.err, await runLogs(c.dir)])).toEqual([]);
  });

  it('the cascaded replica streams from its location\'s first node', async () => {
    const cascaded = c.cluster.instances.find((i) => i.upstream !== undefined && i.upstream !== primary && hasRole(i, 'replica'))!;
    const rows = await sql(c, cascaded.upstream!, 'SELECT application_name FROM pg_stat_replication');
    expect(rows.split('\n')).toContain(cascaded.name);
  });

  it('a write through every PgBouncer, from the test machine over TLS, lands on the primary', async () => {
    await sql(c, primary, 'CREATE TABLE IF NOT EXISTS m1e2eb_writes (id serial PRIMARY KEY, via text, at timestamptz DEFAULT now()); ALTER TABLE m1e2eb_writes OWNER TO app', 'app');
    for (const h of pgbouncers) expect(await writeVia(h)).toBe(address(primary));
    const plain = await viaPgbouncer(pgbouncers[0]!, 'select 1', 'disable');
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/SSL required/);
  });

  it('every PgBouncer (6432) and Postgres (5432) accepts sslmode=verify-full against the cluster CA under its host name; a name its certificate lacks is refused', async () => {
    for (const h of pgbouncers) {
      for (const port of [6432, 5432]) {
        const r = await clientPsql(c.dir, { name: h, address: address(h), port, user: 'app', password: passwords['app']! }, SESSION_QUERY);
        expect(r.code, `${h}:${port}: ${r.err}`).toBe(0);
        // through PgBouncer the session is the pooled one on the primary, itself over TLS
        expect(r.out).toBe(`t|${address(port === 6432 ? primary : h)}`);
      }
      const wrong = await clientPsql(c.dir, { name: 'not-a-cluster-host', address: address(h), port: 6432, user: 'app', password: passwords['app']! }, 'SELECT 1');
      expect(wrong.code).not.toBe(0);
      expect(wrong.err).toMatch(/does not match host name/);
    }
  });

  it('through every PgBouncer (6432) and Postgres (5432), superusers, service users and PgBouncer\'s own users are refused with their own passwords; app gets in', async () => {
    for (const h of pgbouncers) {
      for (const [port, users] of [
        [6432, ['postgres', 'repmgr', 'pgbouncer_auth_user', 'pgbouncer']],
        [5432, ['postgres', 'repmgr', 'pgbouncer_auth_user']],
      ] as const) {
        for (const user of users) {
          const r = await clientPsql(c.dir, { name: h, address: address(h), port, user, dbname: 'postgres', password: passwords[user]! }, 'SELECT 1');
          expect(r.code, `${user}@${h}:${port} ${r.out}`).not.toBe(0);
          // 6432: PgBouncer's hba refuses userlist.txt's users (login rejected); pgbouncer_get_auth() has no row for the others (no such user)
          const refusal = port === 5432 ? /pg_hba.conf rejects connection/ : user.startsWith('pgbouncer') ? /FATAL: {2}login rejected/ : /FATAL: {2}no such user/;
          expect(r.err, `${user}@${h}:${port}`).toMatch(refusal);
        }
        const app = await clientPsql(c.dir, { name: h, address: address(h), port, user: 'app', password: passwords['app']! }, 'SELECT current_user');
        expect(app.out, `app@${h}:${port}: ${app.err}`).toBe('app');
      }
    }
  });

  /** Whether a local-socket INSERT on `host` commits (the fence's promise: it does not while fenced). */
  async function localWriteCommits(host: string): Promise<boolean> {
    const r = await asPostgres(c, host, `timeout 3 /usr/lib/postgresql/15/bin/psql -XAtq -v ON_ERROR_STOP=1 -h /var/run/postgresql -d app -c "INSERT INTO m1e2eb_writes (via) VALUES ('local')"`);
    return r.code === 0;
  }

  function dataNodes(): string[] {
    return c.cluster.instances.filter((i) => hasRole(i, 'primary') || hasRole(i, 'replica')).map((i) => i.name);
  }

  async function livePrimaries(): Promise<string[]> {
    const out: string[] = [];
    for (const h of dataNodes()) if ((await sql(c, h, 'SELECT pg_is_in_recovery()').catch(() => 't')) === 'f') out.push(h);
    return out;
  }

  it('a 10 s network blip on the primary (repmgrd rides out an outage shorter than about 12 s): it fences itself (local INSERT refused), lifts the fence by itself, no failover, writes through every PgBouncer resume', async () => {
    const others = c.inventory.hosts.filter((h) => h.name !== primary).map((h) => h.address);
    expect((await c.ssh(primary, 'systemctl is-active m1-fence')).stdout.trim()).toBe('active');
    const cut = await c.ssh(primary, partitionCommand(others));
    expect(cut.code, cut.stderr).toBe(0);
    const t0 = Date.now();
    let fencedAt: number | undefined;
    while (Date.now() - t0 < 10_000) {
      if (fencedAt === undefined && !(await localWriteCommits(primary))) fencedAt = Date.now() - t0;
      await new Promise((r) => setTimeout(r, 250));
    }
    const healed = await c.ssh(primary, healPartitionCommand(others));
    expect(healed.code, healed.stderr).toBe(0);
    const healedAt = Date.now();
    console.log(`blip: fenced ${fencedAt} ms after the cut`);
    expect(fencedAt, 'the primary fenced itself within the 10 s blip').toBeDefined();
    expect(await eventually(() => localWriteCommits(primary), 20_000, 250)).toBe(true);
    console.log(`blip: writable again ${Date.now() - healedAt} ms after the heal`);
    // journald files the service's stdout on its own time: on a loaded machine a line can take seconds.
    let journal = '';
    const logged = await eventually(async () => {
      journal = (await c.ssh(primary, `journalctl -u m1-fence --since '-3min' -o cat | grep '^m1-fence:'`)).stdout;
      return /m1-fence: fenced .*saw 1 of \d voters/.test(journal) && /m1-fence: fence of .* lifted/.test(journal);
    }, 15_000, 1000);
    expect(logged, journal).toBe(true);
    // No failover: the primary is the only one, every other data node still a standby.
    expect(await livePrimaries()).toEqual([primary]);
    expect(await eventually(async () => {
      for (const h of pgbouncers) if ((await writeVia(h).catch(() => '')) !== address(primary)) return false;
      return true;
    }, 30_000, 500)).toBe(true);
  });

  it('m1 drill partition-primary: the cut-off primary fences before a replica is promoted, no two writers, every other PgBouncer follows, healed (rejoined), m1 test passes; the next deploy changes nothing', async () => {
    const r = await m1('drill', c.dir, 'partition-primary', '--duration', '40', '--yes', '--json');
    const report = JSON.parse(r.out.slice(r.out.indexOf('{'))) as DrillReport;
    console.log(`drill partition-primary: ${JSON.stringify(report)}`);
    expect(r.code, r.out + r.err).toBe(0);
    expect(report.split_brain_s).toBe(0);
    expect(report.fence_s).not.toBeNull();
    expect(report.promote_s).not.toBeNull();
    expect(report.fence_s!).toBeLessThan(report.promote_s!);
    expect(report.promote_s!).toBeLessThanOrEqual(30);
    expect(report.healthy_after).toBe(true);
    // The rejoin said what the rewind discarded (the rows acknowledged before the fence among them) and kept that WAL.
    // Writes the cut-off primary acknowledged before its fence are lost, and each one's transaction id is in the report.
    expect(report.rewound_xids).not.toBeNull();
    expect(report.acked_lost).toBeGreaterThan(0);
    expect(report.acked_lost_xids).toHaveLength(report.acked_lost);
    expect(unreportedLoss(report), `lost ${report.acked_lost_xids.join(' ')}, rewound ${report.rewound_xids!.join(' ')}`).toEqual([]);
    const kept = (await c.ssh(primary, 'ls /var/lib/postgresql/m1-rewound/*/ | grep -c "^[0-9A-F]\\{24\\}$"')).stdout.trim();
    expect(Number(kept)).toBeGreaterThan(0);
    // m1 status names that WAL until it is removed.
    const named = await m1('status', c.dir);
    expect(named.out).toMatch(new RegExp(`${primary} keeps WAL a rewind discarded in /var/lib/postgresql/m1-rewound/\\S+-from-tl\\d+ \\(`));
    await c.ssh(primary, 'rm -rf /var/lib/postgresql/m1-rewound/*');
    expect((await m1('status', c.dir)).out).not.toContain('keeps WAL a rewind discarded');
    const others = report.entry_points.filter((e) => e.host !== primary);
    expect(others.length).toBeGreaterThan(0);
    for (const e of others) expect(e.follow_s, JSON.stringify(e)).not.toBeNull();
    expect(lateEntryPoints(report, primary), `every other PgBouncer sends its clients to the new primary within ${FOLLOW_WITHIN_S} s of the promotion`).toEqual([]);
    const [now] = await livePrimaries();
    expect(now).toBeDefined();
    expect(now).not.toBe(primary);
    primary = now!;
    const again = await m1('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    for (const [host, x] of Object.entries(recapOf(again.out))) expect(x.changed, `${host}: ${again.out}`).toBe(0);
  });

  it('standbys that received WAL the new primary never had (the old primary\'s, after the promotion point), a cascaded one among them, are stopped and rewound by the next deploy: every node streams from the new primary and is registered under it, the discarded transaction named; a further deploy changes nothing', async () => {
    // What a partition drill does by chance when a standby still follows the cut-off primary after the
    // heal, made certain: repmgrd stopped (no failover of its own), the node to promote detached,
    // a write on the primary that only the others receive, the primary stopped, the detached node promoted.
    // (Barman's pg_receivewal streams from the primary too.)
    // The primary is the cascaded replica's configured upstream (switched over to it when the drill chose
    // another): that replica streams from it, diverges too and is rejoined under the new primary, not its upstream.
    const configuredPrimary = c.cluster.instances.find((i) => hasRole(i, 'primary'))!.name;
    const cascaded = c.cluster.instances.find((i) => i.upstream !== undefined && i.upstream !== configuredPrimary && hasRole(i, 'replica'))!;
    if (primary !== cascaded.upstream) {
      const sw = await m1('switchover', c.dir, cascaded.upstream!);
      expect(sw.code, sw.out + sw.err).toBe(0);
      primary = cascaded.upstream!;
    }
    const direct = (await sql(c, primary, "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming' ORDER BY 1")).split('\n').filter((h) => dataNodes().includes(h));
    expect(direct, 'the cascaded replica streams from its configured upstream, the primary').toContain(cascaded.name);
    const diverging = direct.find((h) => h !== cascaded.name)!;
    expect(diverging, 'a standby streams from the primary').toBeDefined();
    const promoted = dataNodes().find((h) => h !== primary && h !== diverging && h !== cascaded.name)!;
    for (const h of dataNodes()) expect((await c.ssh(h, 'systemctl stop repmgr')).code).toBe(0);
    await sql(c, promoted, "ALTER SYSTEM SET primary_conninfo = ''");
    await sql(c, promoted, 'SELECT pg_reload_conf()');
    expect(await eventually(async () => (await sql(c, promoted, 'SELECT count(*) FROM pg_stat_wal_receiver')) === '0', 20_000, 250), `${promoted} still receives`).toBe(true);
    const xid = await sql(c, primary, 'CREATE TABLE m1e2eb_diverged (x int); INSERT INTO m1e2eb_diverged VALUES (1) RETURNING txid_current()', 'app');
    for (const h of [diverging, cascaded.name]) {
      expect(await eventually(async () => (await sql(c, h, "SELECT to_regclass('m1e2eb_diverged') IS NOT NULL", 'app')) === 't', 20_000, 250), `${h} replayed the write`).toBe(true);
    }
    expect((await c.ssh(primary, 'systemctl stop postgres')).code).toBe(0);
    await sql(c, promoted, 'ALTER SYSTEM RESET primary_conninfo');
    const promote = await asPostgres(c, promoted, '/usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf standby promote');
    expect(promote.code, promote.stdout + promote.stderr).toBe(0);
    const old = primary;
    primary = promoted;

    const t = performance.now();
    const d = await m1('deploy', c.dir);
    console.log(`deploy rewinding ${diverging} (diverged) and ${old} (former primary): ${((performance.now() - t) / 1000).toFixed(1)} s`);
    expect(d.code, d.out + d.err).toBe(0);
    expect(d.out).toContain(`rejoin ${diverging} as a standby of ${promoted} (a standby that left ${promoted}'s history: it replayed WAL of timeline`);
    expect(d.out).toContain(`rejoin ${old} as a standby of ${promoted} (a former primary`);
    expect(d.out).toContain(`rejoin ${cascaded.name} as a standby of ${promoted} (a standby that left ${promoted}'s history`);
    // Registered under the node it streams from now, not its configured upstream (the further deploy below would re-register it).
    const upstreamName = await sql(c, promoted, `SELECT u.node_name FROM repmgr.nodes n JOIN repmgr.nodes u ON u.node_id = n.upstream_node_id WHERE n.node_name = '${cascaded.name}'`, 'repmgr');
    expect(upstreamName).toBe(promoted);
    // The rewind report of the diverged standby names the write it discards.
    const report = d.out.split('\n').find((l) => l.includes(`rewind report: ${diverging} left`));
    expect(report, d.out).toMatch(new RegExp(`transactions committed there: [0-9 ]*\\b${xid}\\b`));
    for (const h of dataNodes().filter((x) => x !== promoted)) {
      expect(await sql(c, h, 'SELECT pg_is_in_recovery()'), h).toBe('t');
      expect(await eventually(async () => (await sql(c, h, "SELECT count(*) FROM pg_stat_wal_receiver WHERE status = 'streaming'")) === '1', 30_000, 500), `${h} streams`).toBe(true);
      // The new primary never had the table: nobody has it now.
      expect(await sql(c, h, "SELECT to_regclass('m1e2eb_diverged') IS NULL", 'app'), h).toBe('t');
    }
    expect(await livePrimaries()).toEqual([promoted]);
    const tested = await m1('test', c.dir);
    expect(tested.code, tested.out).toBe(0);
    const again = await m1('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    for (const [host, x] of Object.entries(recapOf(again.out))) expect(x.changed, `${host}: ${again.out}`).toBe(0);
  });

  it('synchronous_replication: on, then m1 drill crash-primary: commits waited for a standby, 0 acknowledged writes lost (200 or more acknowledged), no two writers, healed; the next deploy changes nothing', async () => {
    const file = join(c.dir, 'config.yml');
    const doc = parseDocument(await readFile(file, 'utf8'));
    doc.setIn(['cluster_vars', 'synchronous_replication'], 'on');
    await writeFile(file, doc.toString());
    const dep = await m1('deploy', c.dir);
    expect(dep.code, dep.out + dep.err).toBe(0);
    // m1-fence sets it within a second or two of its restart.
    expect(await eventually(async () => (await sql(c, primary, 'SHOW synchronous_standby_names')).startsWith('ANY 1 ('), 20_000, 500)).toBe(true);
    const r = await m1('drill', c.dir, 'crash-primary', '--duration', '75', '--yes', '--json');
    const report = JSON.parse(r.out.slice(r.out.indexOf('{'))) as DrillReport;
    console.log(`drill crash-primary, synchronous_replication on: ${JSON.stringify(report)}`);
    expect(r.code, r.out + r.err).toBe(0);
    expect(report.acked_writes).toBeGreaterThanOrEqual(200);
    expect(report.acked_lost).toBe(0);
    expect(report.split_brain_s).toBe(0);
    expect(report.promote_s).not.toBeNull();
    expect(report.promote_s!).toBeLessThanOrEqual(30);
    expect(report.healthy_after).toBe(true);
    expect(lateEntryPoints(report, primary), `every other PgBouncer sends its clients to the new primary within ${FOLLOW_WITHIN_S} s of the promotion`).toEqual([]);
    const [now] = await livePrimaries();
    expect(now).toBeDefined();
    expect(now).not.toBe(primary);
    primary = now!;
    // The promoted primary waits for a standby again (the rejoined one among them).
    expect(await eventually(async () => (await sql(c, primary, 'SHOW synchronous_standby_names')).startsWith('ANY 1 ('), 20_000, 500)).toBe(true);
    const again = await m1('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    for (const [host, x] of Object.entries(recapOf(again.out))) expect(x.changed, `${host}: ${again.out}`).toBe(0);
  });

  it('after the primary stops, repmgrd promotes a replica within 60 s and every PgBouncer writes to it', async () => {
    const t0 = Date.now();
    await new Promise<void>((resolve, reject) => execFile('docker', ['stop', '-t', '10', primary], (e) => (e ? reject(e) : resolve())));
    const stoppedAt = Date.now();
    const survivors = c.cluster.instances.filter((i) => i.name !== primary && (hasRole(i, 'primary') || hasRole(i, 'replica'))).map((i) => i.name);
    let promoted: string | undefined;
    const found = await eventually(async () => {
      for (const h of survivors) {
        if ((await sql(c, h, 'SELECT pg_is_in_recovery()')) === 'f') {
          promoted = h;
          return true;
        }
      }
      return false;
    }, 60_000, 500);
    const promotedAfter = Date.now() - stoppedAt;
    console.log(`docker stop: ${stoppedAt - t0} ms; promotion seen ${promotedAfter} ms after the container stopped (${promoted})`);
    expect(found, 'a replica was promoted within 60 s').toBe(true);
    expect(promotedAfter).toBeLessThan(60_000);

    const remaining = pgbouncers.filter((h) => h !== primary);
    const redirected = await eventually(async () => {
      for (const h of remaining) if ((await writeVia(h)) !== address(promoted!)) return false;
      return true;
    }, 30_000, 500);
    console.log(`every PgBouncer writes to ${promoted} ${Date.now() - stoppedAt} ms after the container stopped`);
    expect(redirected).toBe(true);
    // Each databases file says so in the form deploy writes.
    for (const h of remaining) {
      const text = (await c.ssh(h, 'cat /etc/pgbouncer/pgbouncer.databases.ini')).stdout;
      expect(databasesTarget(text)).toBe(promoted);
    }
  });
});
