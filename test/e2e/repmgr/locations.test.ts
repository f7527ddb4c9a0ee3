/**
 * Scenario 2: two locations with two data nodes each, PgBouncer on
 * every data node, `repmgr_redirect_pgbouncer: true`. The cascaded replica
 * streams from its location's first node; a write through every PgBouncer,
 * from this machine, lands on the primary; after the primary's container is
 * stopped, repmgrd promotes a replica within 60 s and every PgBouncer routes
 * writes to the new primary. The next deploy rejoins the old primary as a
 * standby of the new one at the first try, and the one after changes nothing.
 * Then m1 remove-node: refused for the primary and the Barman host; the
 * cascaded replica's upstream removed, the cascaded replica streams from
 * that node's upstream, repmgr no longer lists it, its slot and container
 * are gone, and the next deploy changes nothing besides the warning; a
 * replica whose container is stopped is still unregistered, its slot dropped.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instanceByName } from '../../../src/inventory/cluster.js';
import { primaryOf } from '../../../src/inventory/topology.js';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { clusterShow, eventually, leakedSecrets, m1, recapOf, runLogs, sql, storedSecrets, type CliRun } from '../support/m1.js';
import { e2eClusterName } from '../../support/testCluster.js';

const run = promisify(execFile);
const NAME = e2eClusterName('m1e2e2');
let c: ProvisionedTestCluster;
let password: string;
let old: string;
let promoted: string | undefined;
const outputs: CliRun[] = [];

/** One statement through PgBouncer on `host`:6432 from this machine, over TLS; the password travels in the environment. */
async function throughPgbouncer(host: string, statement: string): Promise<string> {
  const address = instanceByName(c.cluster, host)!.ipAddress!;
  const r = await run('psql', ['-XAtq', '-v', 'ON_ERROR_STOP=1', `host=${address} port=6432 dbname=app user=app sslmode=require connect_timeout=5`, '-c', statement], {
    env: { ...process.env, PGPASSWORD: password },
    timeout: 20_000,
  });
  return r.stdout.trim();
}

describe('scenario 2: two locations, PgBouncer, failover', () => {
  beforeAll(async () => {
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { postgresql: '15', failoverManager: 'repmgr', locationNames: ['main', 'dr'], enablePgbouncer: true },
      image: 'm1/debian-packages:bookworm',
      fresh: true,
    });
    const config = join(c.dir, 'config.yml');
    const text = await readFile(config, 'utf8');
    if (!text.includes('repmgr_redirect_pgbouncer')) await writeFile(config, text.replace(/^cluster_vars:\n/m, 'cluster_vars:\n  repmgr_redirect_pgbouncer: true\n'));
    const r = await m1('deploy', c.dir);
    outputs.push(r);
    expect(r.code, r.out + r.err).toBe(0);
    password = (await storedSecrets(c.dir))['app']!;
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it('the cascaded replica streams from its location’s first node', async () => {
    const cascaded = c.cluster.instances.find((i) => i.upstream !== undefined && instanceByName(c.cluster, i.upstream)?.roles.includes('replica'))!;
    expect(cascaded, 'config.yml has a cascaded replica').toBeDefined();
    const first = instanceByName(c.cluster, cascaded.upstream!)!;
    expect(first.location).toBe(cascaded.location);
    expect(await eventually(async () => (await sql(c, first.name, `SELECT state FROM pg_stat_replication WHERE application_name = '${cascaded.name}'`)) === 'streaming', 30_000)).toBe(true);
  });

  it('a write through every PgBouncer lands on the primary', async () => {
    const primary = primaryOf(c.cluster);
    await sql(c, primary.name, 'CREATE TABLE IF NOT EXISTS via_pgbouncer (host text, at timestamptz DEFAULT now()); ALTER TABLE via_pgbouncer OWNER TO app', 'app');
    for (const i of c.cluster.instances.filter((x) => x.roles.includes('pgbouncer'))) {
      const server = await throughPgbouncer(i.name, `INSERT INTO via_pgbouncer (host) VALUES ('${i.name}') RETURNING host(inet_server_addr())`);
      expect(server, i.name).toBe(primary.ipAddress);
    }
    expect(await sql(c, primary.name, 'SELECT count(DISTINCT host) FROM via_pgbouncer', 'app')).toBe(String(c.cluster.instances.filter((x) => x.roles.includes('pgbouncer')).length));
  });

  it('after the primary stops, a replica is promoted within 60 s and every PgBouncer writes to it', async () => {
    old = primaryOf(c.cluster).name;
    const candidates = c.cluster.instances.filter((i) => i.roles.includes('replica'));
    const stopped = Date.now();
    await run('docker', ['stop', '-t', '1', old]);
    const ok = await eventually(async () => {
      for (const r of candidates) {
        if ((await sql(c, r.name, 'SELECT pg_is_in_recovery()').catch(() => 't')) === 'f') promoted = r.name;
      }
      return promoted !== undefined;
    }, 60_000, 1000);
    const seconds = (Date.now() - stopped) / 1000;
    expect(ok, `no replica promoted ${seconds} s after stopping ${old}`).toBe(true);
    console.log(`scenario 2: ${promoted} promoted ${seconds} s after ${old} stopped`);
    expect(seconds).toBeLessThan(60);
    const address = instanceByName(c.cluster, promoted!)!.ipAddress;
    for (const i of c.cluster.instances.filter((x) => x.roles.includes('pgbouncer') && x.name !== old)) {
      const routed = await eventually(async () => (await throughPgbouncer(i.name, `INSERT INTO via_pgbouncer (host) VALUES ('${i.name} after failover') RETURNING host(inet_server_addr())`)) === address, 30_000, 1000);
      expect(routed, `PgBouncer on ${i.name} writes to ${promoted}`).toBe(true);
    }
  });

  it('deploy after the failover follows the live primary and rejoins the old primary as a standby at the first try; the next deploy changes nothing', async () => {
    // provision starts the stopped container; the fence keeps its Postgres down while the promoted peer is a live primary
    const r1 = await m1('deploy', c.dir);
    outputs.push(r1);
    // What the first deploy found and changed, for a reader of a failure in the next one.
    console.log(`first deploy after the failover:\n${r1.out.split('\n').filter((l) => /^\s*changed|^warning/.test(l)).join('\n')}`);
    expect(r1.code, r1.out + r1.err).toBe(0);
    expect(r1.out).toContain(`warning: ${promoted} is the primary now; config.yml names ${old}`);
    expect(r1.out).toContain(`rejoin ${old} as a standby of ${promoted}`);
    expect(r1.out).not.toMatch(/several hosts run as primary/);
    const rejoined = await eventually(async () => {
      const row = (await clusterShow(c, promoted!)).find((x) => x.name === old);
      return row?.role === 'standby' && row.upstream === promoted && /^\s*running/.test(row.status);
    }, 30_000);
    expect(rejoined).toBe(true);
    expect(await sql(c, old, 'SELECT pg_is_in_recovery()')).toBe('t');
    const r2 = await m1('deploy', c.dir);
    outputs.push(r2);
    expect(r2.code, r2.out + r2.err).toBe(0);
    for (const [h, rc] of Object.entries(recapOf(r2.out))) expect(rc.changed, `${h}: ${r2.out}`).toBe(0);
  });

  it('m1 remove-node refuses the primary and the Barman host (exit 3, nothing changed) and an unknown name (exit 2, the instances listed)', async () => {
    const t0 = Date.now();
    const primary = promoted!;
    const barman = c.cluster.instances.find((i) => i.roles.includes('barman'))!.name;
    const p = await m1('remove-node', c.dir, primary);
    expect(p.code, p.out + p.err).toBe(3);
    expect(p.err).toContain(`${primary} is the primary: switch over to one of its replicas first (m1 switchover`);
    const b = await m1('remove-node', c.dir, barman);
    expect(b.code, b.out + b.err).toBe(3);
    expect(b.err).toContain(`${barman} is the Barman host`);
    const u = await m1('remove-node', c.dir, 'no-such-host');
    expect(u.code, u.out + u.err).toBe(2);
    expect(u.err).toContain(`no-such-host is not an instance of cluster ${c.cluster.name}; its instances are ${c.cluster.instances.map((i) => i.name).join(', ')}`);
    outputs.push(p, b, u);
    await expect(readFile(join(c.dir, 'removed.json'), 'utf8')).rejects.toThrow();
    expect((await clusterShow(c, primary)).map((r) => r.name).sort()).toEqual(c.cluster.instances.filter((i) => i.roles.some((x) => ['primary', 'replica', 'witness'].includes(x))).map((i) => i.name).sort());
    console.log(`scenario 2: remove-node refusals ${(Date.now() - t0) / 1000} s`);
  });

  it('m1 remove-node of the cascaded replica’s upstream: the cascaded replica streams from the upstream’s upstream, repmgr no longer lists the node, its slot and container are gone; a rerun and the next deploy change nothing besides the warning', async () => {
    const t0 = Date.now();
    const cascaded = c.cluster.instances.find((i) => i.upstream !== undefined && instanceByName(c.cluster, i.upstream)?.roles.includes('replica'))!;
    const gone = instanceByName(c.cluster, cascaded.upstream!)!;
    if (gone.name === promoted) {
      // The failover promoted the cascaded replica's upstream: make it a replica again first.
      const other = c.cluster.instances.find((i) => i.roles.includes('replica') && i.name !== gone.name && i.name !== cascaded.name)!.name;
      const s = await m1('switchover', c.dir, other);
      expect(s.code, s.out + s.err).toBe(0);
      promoted = other;
      console.log(`scenario 2: switched over to ${other} first (${gone.name} had been promoted)`);
    }
    const primary = promoted!;
    expect(await sql(c, primary, `SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'repmgr_slot_${gone.node}'`)).toBe('1');
    const r0 = Date.now();
    const r = await m1('remove-node', c.dir, gone.name);
    const removeSeconds = (Date.now() - r0) / 1000;
    outputs.push(r);
    expect(r.code, r.out + r.err).toBe(0);
    console.log(`scenario 2: m1 remove-node ${gone.name}: ${removeSeconds} s in all\n${r.out.split('\n').filter((l) => /^\S|^  \S/.test(l) && !/^\s*(ok|changed)\s/.test(l)).join('\n')}`);
    expect(r.out).toContain(`${cascaded.name} follows ${primary} instead of ${gone.name}`);
    expect(r.out).toContain(`container ${gone.name} removed`);
    // The lines of config.yml to delete, printed; config.yml itself unchanged.
    expect(r.out).toMatch(new RegExp(`delete lines \\d+-\\d+:\\n    - Name: ${gone.name}\\n`));
    expect(await readFile(join(c.dir, 'config.yml'), 'utf8')).toContain(`- Name: ${gone.name}`);
    expect(JSON.parse(await readFile(join(c.dir, 'removed.json'), 'utf8')).removed).toEqual([expect.objectContaining({ name: gone.name, node: gone.node, upstream: primary })]);

    // The deploy on the other hosts ended with a restart of each (max_replication_slots follows the cluster's size), the primary last.
    const streams = await eventually(async () => (await sql(c, primary, `SELECT state FROM pg_stat_replication WHERE application_name = '${cascaded.name}'`).catch(() => '')) === 'streaming', 30_000);
    expect(streams, `${cascaded.name} streams from ${primary}`).toBe(true);
    const show = await clusterShow(c, primary);
    expect(show.map((x) => x.name)).not.toContain(gone.name);
    expect(show.find((x) => x.name === cascaded.name)?.upstream).toBe(primary);
    for (const h of c.cluster.instances.filter((i) => i.name !== gone.name && (i.roles.includes('replica') || i.roles.includes('primary')))) {
      expect(await sql(c, h.name, `SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'repmgr_slot_${gone.node}'`), h.name).toBe('0');
    }
    const ps = await run('docker', ['ps', '-a', '--filter', `name=^${gone.name}$`, '--format', '{{.Names}}']);
    expect(ps.stdout.trim()).toBe('');

    const again = await m1('remove-node', c.dir, gone.name);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain(`${gone.name} was removed on `);
    const d0 = Date.now();
    const d = await m1('deploy', c.dir);
    outputs.push(again, d);
    expect(d.code, d.out + d.err).toBe(0);
    expect(d.out).toContain(`warning: ${gone.name} was removed by m1 remove-node on `);
    const recap = recapOf(d.out);
    expect(Object.keys(recap)).not.toContain(gone.name);
    for (const [h, rc] of Object.entries(recap)) expect(rc.changed, `${h}: ${d.out}`).toBe(0);
    console.log(`scenario 2: remove-node steps ${(Date.now() - t0) / 1000} s (remove-node ${removeSeconds} s, the next deploy ${(Date.now() - d0) / 1000} s)`);
  });

  it('m1 remove-node of a replica whose host is down: still unregistered, its slot dropped, its container removed; said that its services were not stopped', async () => {
    const t0 = Date.now();
    const primary = promoted!;
    const removed = JSON.parse(await readFile(join(c.dir, 'removed.json'), 'utf8')).removed.map((r: { name: string }) => r.name);
    const down = c.cluster.instances.find((i) => i.roles.includes('replica') && i.name !== primary && !removed.includes(i.name) && i.location !== primaryOf(c.cluster).location)
      ?? c.cluster.instances.find((i) => i.roles.includes('replica') && i.name !== primary && !removed.includes(i.name))!;
    await run('docker', ['stop', '-t', '1', down.name]);
    const r = await m1('remove-node', c.dir, down.name);
    outputs.push(r);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`${down.name} could not be reached (`);
    expect(r.out).toContain('its services are not stopped; it is still unregistered and its slot dropped');
    expect(r.out).not.toContain(`stop and disable`);
    expect((await clusterShow(c, primary)).map((x) => x.name)).not.toContain(down.name);
    expect(await sql(c, primary, `SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'repmgr_slot_${down.node}'`)).toBe('0');
    expect((await run('docker', ['ps', '-a', '--filter', `name=^${down.name}$`, '--format', '{{.Names}}'])).stdout.trim()).toBe('');
    const d = await m1('deploy', c.dir);
    outputs.push(d);
    expect(d.code, d.out + d.err).toBe(0);
    for (const [h, rc] of Object.entries(recapOf(d.out))) expect(rc.changed, `${h}: ${d.out}`).toBe(0);
    console.log(`scenario 2: remove-node of ${down.name}, down: ${(Date.now() - t0) / 1000} s with the next deploy`);
  });

  it('no stored password (PgBouncer’s included) appears in any output or run log', async () => {
    const secrets = await storedSecrets(c.dir);
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['pgbouncer_auth_user', 'postgres', 'repmgr']));
    expect(leakedSecrets(secrets, [...outputs.flatMap((o) => [o.out, o.err]), await runLogs(c.dir)])).toEqual([]);
  });
});
