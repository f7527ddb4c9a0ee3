/**
 * Scenarios 3, 4 and 5 on one deployed default repmgr cluster
 * (packages preinstalled in the image; scenario 1 covers installing):
 *  3. a reload-only setting reloads (postmaster start time unchanged), a
 *     restart setting restarts replicas first; --check beforehand applies nothing;
 *     repmgr_restore_from_barman turned on and off again follows on every data node;
 *     a cluster whose repmgr connections did not verify the server converges to verify-full;
 *  4. a host cut off mid-deploy: one clear error naming host and step, exit 1;
 *     reconnected, the next deploy completes;
 *  5. a replica added to config.yml is provisioned, cloned and joined.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployCluster } from '../../../playbooks/deploy/deploy.js';
import { primaryOf } from '../../../src/inventory/topology.js';
import { readInventory } from '../../../src/inventory/inventory.js';
import { provisionConfiguredCluster, sshRun, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { clusterShow, eventually, m1, recapOf, sql, storedSecrets } from '../support/m1.js';
import { e2eClusterName } from '../../support/testCluster.js';

const run = promisify(execFile);
const NAME = e2eClusterName('m1e2e3');
let c: ProvisionedTestCluster;
let primary: string;
let replica: string;
let witness: string;

async function editConfig(edit: (text: string) => string): Promise<void> {
  const path = join(c.dir, 'config.yml');
  await writeFile(path, edit(await readFile(path, 'utf8')));
}

/** Sets (or replaces) a line under cluster_vars. */
function clusterVar(text: string, key: string, yaml: string): string {
  const lines = text.split('\n');
  const start = lines.indexOf('cluster_vars:');
  let end = start + 1;
  while (end < lines.length && (lines[end]!.startsWith('  ') || lines[end] === '')) end++;
  const body = lines.slice(start + 1, end).filter((l, idx, all) => {
    // drop an earlier value of the key, with its nested lines
    if (l.startsWith(`  ${key}:`)) return false;
    const owner = [...all.slice(0, idx)].reverse().find((x) => /^ {2}\S/.test(x));
    return !(l.startsWith('    ') && owner?.startsWith(`  ${key}:`));
  });
  while (body.length && body[body.length - 1] === '') body.pop();
  return [...lines.slice(0, start + 1), ...body, ...yaml.split('\n').map((l) => `  ${l}`), '', ...lines.slice(end)].join('\n');
}

const startTimes = async (hosts: string[]) =>
  Object.fromEntries(await Promise.all(hosts.map(async (h) => [h, await sql(c, h, "SELECT extract(epoch FROM pg_postmaster_start_time())")] as const)));

const postgresHosts = () => [primary, replica, witness];

describe('scenarios 3, 4, 5: settings, a host cut off, a replica added', () => {
  beforeAll(async () => {
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { postgresql: '15', failoverManager: 'repmgr' },
      image: 'm1/debian-packages:bookworm',
      fresh: true,
    });
    primary = primaryOf(c.cluster).name;
    replica = c.cluster.instances.find((i) => i.roles.includes('replica'))!.name;
    witness = c.cluster.instances.find((i) => i.roles.includes('witness'))!.name;
    const r = await m1('deploy', c.dir);
    expect(r.code, r.out + r.err).toBe(0);
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it('3a: a reload-only setting: --check reports and applies nothing; deploy reloads, start time unchanged', async () => {
    const before = await startTimes(postgresHosts());
    await editConfig((t) => clusterVar(t, 'postgres_conf_settings', 'postgres_conf_settings:\n  work_mem: 24MB'));
    const check = await m1('deploy', c.dir, '--check', '--diff');
    expect(check.code, check.out + check.err).toBe(0);
    expect(check.out).toMatch(new RegExp(`settings on ${primary}: work_mem changed: reload`));
    // --diff shows the file's change as diff -u does, on every Postgres host.
    expect(check.out.match(/^\s*\+work_mem = '?24MB'?$/gm)?.length, check.out).toBe(postgresHosts().length);
    for (const p of Object.values(await storedSecrets(c.dir))) expect(check.out).not.toContain(p);
    expect(check.out).toMatch(/would reload postgres.service/);
    expect(check.out).not.toMatch(/stage restart/);
    expect(await sql(c, primary, 'SHOW work_mem')).toBe('16MB');

    const r = await m1('deploy', c.dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/postgres.service reloaded/);
    for (const h of postgresHosts()) expect(await sql(c, h, 'SHOW work_mem'), h).toBe('24MB');
    expect(await startTimes(postgresHosts())).toEqual(before);
  });

  it('3b: a restart setting: --check applies nothing; deploy restarts each host once, replicas before the primary', async () => {
    const before = await startTimes(postgresHosts());
    await editConfig((t) => clusterVar(t, 'max_connections', 'max_connections: 300'));
    const check = await m1('deploy', c.dir, '--check');
    expect(check.code, check.out + check.err).toBe(0);
    expect(check.out).toMatch(/changed: restart \(for max_connections\)/);
    expect(await sql(c, primary, 'SHOW max_connections')).toBe('250');
    expect(await startTimes(postgresHosts())).toEqual(before);

    const r = await m1('deploy', c.dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toContain(`restart order: ${replica}, ${witness}, ${primary}`);
    const after = await startTimes(postgresHosts());
    for (const h of postgresHosts()) {
      expect(await sql(c, h, 'SHOW max_connections'), h).toBe('300');
      expect(Number(after[h]), h).toBeGreaterThan(Number(before[h]));
    }
    expect(Number(after[replica])).toBeLessThan(Number(after[primary]));
    // exactly one restart per host
    expect(r.out.match(/restart postgres \(settings that need a restart changed\)/g)).toHaveLength(3);
    const again = await m1('deploy', c.dir);
    for (const [h, rc] of Object.entries(recapOf(again.out))) expect(rc.changed, `${h}: ${again.out}`).toBe(0);
  });

  it('3c: repmgr_restore_from_barman on sets restore_command on every data node; off resets it; then nothing to change', async () => {
    const dataNodes = [primary, replica];
    await editConfig((t) => clusterVar(t, 'repmgr_restore_from_barman', 'repmgr_restore_from_barman: true'));
    const on = await m1('deploy', c.dir);
    expect(on.code, on.out + on.err).toBe(0);
    for (const h of dataNodes) {
      expect(on.out, h).toMatch(new RegExp(`${h} repmgr › restore_command: fetch WAL from Barman`));
      expect(await sql(c, h, 'SHOW restore_command'), h).toMatch(/^\/usr\/bin\/barman-wal-restore .* %f %p$/);
    }
    expect(await sql(c, witness, 'SHOW restore_command')).toBe('');

    await editConfig((t) => clusterVar(t, 'repmgr_restore_from_barman', 'repmgr_restore_from_barman: false'));
    const off = await m1('deploy', c.dir);
    expect(off.code, off.out + off.err).toBe(0);
    for (const h of dataNodes) {
      expect(off.out, h).toMatch(new RegExp(`${h} repmgr › restore_command: reset in postgresql.auto.conf`));
      expect(await sql(c, h, 'SHOW restore_command'), h).toBe('');
    }
    const again = await m1('deploy', c.dir);
    expect(again.code).toBe(0);
    for (const [h, rc] of Object.entries(recapOf(again.out))) expect(rc.changed, `${h}: ${again.out}`).toBe(0);
  });

  it("3d: a cluster from before repmgr verified its servers: deploy registers every node again with the verifying conninfo, points the standby's primary_conninfo at a verified upstream, and it streams; then nothing to change", async () => {
    const verify = ' sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt';
    // What an earlier m1 left: records and primary_conninfo without sslmode.
    // The witness keeps its own copy of repmgr.nodes (repmgrd copies the primary's now and then).
    for (const h of [primary, witness]) await sql(c, h, `UPDATE repmgr.nodes SET conninfo = replace(conninfo, '${verify}', '')`, 'repmgr');
    await sql(c, replica, `ALTER SYSTEM SET primary_conninfo = 'host=${primary} port=5432 dbname=repmgr user=repmgr application_name=${replica} passfile=/var/lib/postgresql/.pgpass'; SELECT pg_reload_conf()`);
    const receiverConninfo = () => sql(c, replica, "SELECT coalesce((SELECT status || ' ' || conninfo FROM pg_stat_wal_receiver), 'none')");
    expect(await eventually(async () => /^streaming .*sslmode=prefer/.test(await receiverConninfo()), 30_000, 500)).toBe(true);

    const r = await m1('deploy', c.dir);
    expect(r.code, r.out + r.err).toBe(0);
    for (const [type, h] of [['primary', primary], ['standby', replica], ['witness', witness]] as const) {
      expect(r.out, h).toMatch(new RegExp(`register ${type} ${h} \\(registered with another conninfo: host=${h} port=5432 dbname=repmgr user=repmgr application_name=${h} `));
    }
    expect(r.out).toContain(`primary_conninfo of ${replica}: verify ${primary}'s certificate (sslmode=verify-full)`);
    expect(await sql(c, primary, `SELECT count(*) FROM repmgr.nodes WHERE conninfo LIKE '%${verify}%'`, 'repmgr')).toBe('3');
    expect(await eventually(async () => /^streaming .*sslmode=verify-full/.test(await receiverConninfo()), 30_000, 500)).toBe(true);
    const again = await m1('deploy', c.dir);
    expect(again.code).toBe(0);
    for (const [h, rc] of Object.entries(recapOf(again.out))) expect(rc.changed, `${h}: ${again.out}`).toBe(0);
  });

  it('4: a host cut off mid-deploy fails with its name and step (exit 1); reconnected, deploy completes', async () => {
    await editConfig((t) => clusterVar(t, 'postgres_conf_settings', 'postgres_conf_settings:\n  work_mem: 20MB'));
    const network = c.cluster.dockerNetwork!.name;
    const ip = c.cluster.instances.find((i) => i.name === witness)!.ipAddress!;
    let cut: Promise<unknown> | undefined;
    let out = '';
    const outcome = await deployCluster(c.dir, {
      tty: false,
      write: (t) => {
        out += t;
        // The witness is cut off while the primary is being converged, before its own stage.
        if (!cut && t.startsWith('stage primary')) cut = run('docker', ['network', 'disconnect', network, witness]);
      },
    });
    await cut;
    try {
      expect(outcome.exitCode, out).toBe(1);
      expect(outcome.result.failures).toHaveLength(1);
      expect(outcome.result.failures[0]).toContain(witness);
      // the summary names the host and the step it failed at
      expect(outcome.summary).toMatch(new RegExp(`failed on ${witness} \\(postgres › .+\\)`));
      // the others went on: the primary and the replica have the new setting
      expect(await sql(c, primary, 'SHOW work_mem')).toBe('20MB');
      expect(await sql(c, replica, 'SHOW work_mem')).toBe('20MB');
    } finally {
      await run('docker', ['network', 'connect', '--ip', ip, network, witness]);
    }
    const again = await m1('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    expect(await sql(c, witness, 'SHOW work_mem')).toBe('20MB');
  });

  it('5: a replica added to config.yml is provisioned, cloned and joins', async () => {
    const used = c.cluster.instances.map((i) => i.ipAddress!);
    const last = used.map((a) => Number(a.split('.')[3])).reduce((a, b) => Math.max(a, b));
    const address = used[0]!.split('.').slice(0, 3).concat(String(last + 1)).join('.');
    const added = `${NAME}-added`;
    await editConfig((t) =>
      t.replace(/\n*$/, '\n') +
      [`- Name: ${added}`, `  ip_address: ${address}`, '  location: main', `  node: ${c.cluster.instances.length + 1}`, '  role:', '  - replica', `  upstream: ${primary}`, ''].join('\n'),
    );
    const r = await m1('deploy', c.dir);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`${added} postgres › clone from ${primary}`));
    // The inventory now has the new host.
    const inventory = await readInventory(c.dir);
    c = { ...c, inventory, ssh: (h, cmd, input) => sshRun(c.dir, inventory, h, cmd, input) };
    // A fourth node raises max_replication_slots: the deploy ends with a rolling restart, after which
    // the standbys take a few seconds to reattach ("! <upstream>" in cluster show until they do).
    let rows: Awaited<ReturnType<typeof clusterShow>> = [];
    const healthy = await eventually(async () => {
      rows = await clusterShow(c, primary);
      const row = rows.find((x) => x.name === added);
      return row?.role === 'standby' && row.upstream === primary && /^\s*running/.test(row.status);
    }, 30_000);
    expect(healthy, JSON.stringify(rows)).toBe(true);
    expect(await sql(c, primary, `SELECT state FROM pg_stat_replication WHERE application_name = '${added}'`)).toBe('streaming');
    await sql(c, primary, "CREATE TABLE IF NOT EXISTS m1e2e_added (v int); INSERT INTO m1e2e_added VALUES (5);");
    expect(await eventually(async () => (await sql(c, added, 'SELECT count(*) FROM m1e2e_added')) !== '0', 10_000)).toBe(true);
    const again = await m1('deploy', c.dir);
    expect(again.code).toBe(0);
    for (const [h, rc] of Object.entries(recapOf(again.out))) expect(rc.changed, `${h}: ${again.out}`).toBe(0);
  });
});
