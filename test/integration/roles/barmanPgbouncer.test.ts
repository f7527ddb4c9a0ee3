/**
 * The Barman and PgBouncer roles against real Barman 3.4, PgBouncer 1.18 and
 * PostgreSQL 15 on three containers (primary + PgBouncer, replica +
 * PgBouncer, Barman), Postgres set up by hand (handmadeCluster.ts):
 * - first run: Barman streams WAL, takes the first backup, `barman check` OK;
 *   a client writes through each PgBouncer (TLS, SCRAM via auth_query) from
 *   the test machine and lands on the primary;
 * - a second run changes nothing;
 * - failover (primary's container stopped, replica promoted): the roles
 *   retarget Barman (new slot, backup on timeline 2, earlier backups still
 *   listed, check OK) and PgBouncer (reload only); the next run changes nothing;
 * - a databases file written the promote hook's way is what deploy writes.
 */
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barmanRole } from '../../../roles/barman/role.js';
import { pgbouncerRole } from '../../../roles/pgbouncer/role.js';
import { databasesIni, pgbouncerDatabases } from '../../../src/products/pgbouncer/databases.js';
import type { RunResult } from '../../../src/engine/index.js';
import { provisionTestCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { APP_USER, deployContext, runRoles, setUpHandmadeCluster, type Handmade } from './handmadeCluster.js';
import { e2eClusterName } from '../../support/testCluster.js';

const NAME = e2eClusterName('m1e2eb-roles');
let tc: ProvisionedTestCluster;
let made: Handmade;
let n1: string, n2: string, n3: string;
const SERVER = 'm1e2eb-roles';

function psqlLocal(address: string, sql: string, password: string, port = 6432): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'psql',
      ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql, `host=${address} port=${port} dbname=postgres user=${APP_USER} sslmode=require connect_timeout=5`],
      { env: { ...process.env, PGPASSWORD: password }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

function address(host: string): string {
  return tc.inventory.hosts.find((h) => h.name === host)!.address;
}

async function barman(args: string): Promise<string> {
  const r = await tc.ssh(n3, `runuser -u barman -- barman ${args}`);
  if (r.code !== 0) throw new Error(`barman ${args}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

function changed(r: RunResult, host: string): string[] {
  return r.results.filter((x) => x.host === host && x.status === 'changed').map((x) => x.task);
}

function expectNoFailure(r: RunResult): void {
  expect(r.failures).toEqual([]);
  expect(r.exitCode).toBe(0);
}

function output(r: RunResult): string {
  return JSON.stringify(r.results);
}

beforeAll(async () => {
  tc = await provisionTestCluster({
    name: NAME,
    image: 'm1/debian-packages:bookworm',
    instances: [
      { name: `${NAME}-1`, roles: ['primary', 'pgbouncer'], backup: `${NAME}-3` },
      { name: `${NAME}-2`, roles: ['replica', 'pgbouncer'], upstream: `${NAME}-1` },
      { name: `${NAME}-3`, roles: ['barman'] },
    ],
    fresh: true,
  });
  [n1, n2, n3] = tc.cluster.instances.map((i) => i.name) as [string, string, string];
  made = await setUpHandmadeCluster(tc);
}, 600_000);

afterAll(async () => {
  if (!process.env.M1E2EB_KEEP) await tc?.teardown();
});

describe('barman and pgbouncer roles on real components', () => {
  const stages = (live: Parameters<typeof deployContext>[2], hosts: string[]) => {
    const ctx = deployContext(tc.cluster, made, live);
    return [
      { hosts: [n3], role: barmanRole(ctx) },
      { hosts: hosts.filter((h) => h !== n3), role: pgbouncerRole(ctx) },
    ];
  };

  it('first run: WAL streaming, a first backup, barman check OK; writes through every PgBouncer land on the primary', async () => {
    const t0 = Date.now();
    const r = await runRoles(tc, made, stages({ primary: n1, upstreams: { [n2]: n1 } }, [n1, n2, n3]));
    expectNoFailure(r);
    console.log(`first run: ${Date.now() - t0} ms`);
    expect(changed(r, n3).join('\n')).toMatch(/initial base backup/);
    for (const p of Object.values(made.passwords)) expect(output(r)).not.toContain(p);

    const list = JSON.parse(await barman(`-f json list-backups ${SERVER}`)) as Record<string, { status: string }[]>;
    expect(list[SERVER]!.filter((b) => b.status === 'DONE')).toHaveLength(1);
    expect(await barman(`check ${SERVER}`)).not.toContain('FAILED');

    for (const via of [n1, n2]) {
      const w = await psqlLocal(address(via), `INSERT INTO writes (via) VALUES ('${via}') RETURNING host(inet_server_addr())`, made.passwords[APP_USER]!);
      expect(w.stderr).toBe('');
      expect(w.stdout.trim()).toBe(address(n1));
    }
    // Plaintext is refused, a wrong password too.
    const plain = await new Promise<string>((resolve) =>
      execFile('psql', ['-XAtc', 'select 1', `host=${address(n2)} port=6432 dbname=postgres user=${APP_USER} sslmode=disable`], { env: { ...process.env, PGPASSWORD: 'x' } }, (_e, _o, e) => resolve(e)),
    );
    expect(plain).toMatch(/SSL required/);
    expect((await psqlLocal(address(n1), 'select 1', 'wrong')).stderr).toMatch(/authentication failed/);
  });

  it('second run changes nothing', async () => {
    const t0 = Date.now();
    const r = await runRoles(tc, made, stages({ primary: n1, upstreams: { [n2]: n1 } }, [n1, n2, n3]));
    expectNoFailure(r);
    console.log(`converged run: ${Date.now() - t0} ms`);
    for (const h of [n1, n2, n3]) expect(changed(r, h)).toEqual([]);
  });

  it('check mode after a failover reports the retarget and changes nothing', async () => {
    const r = await runRoles(tc, made, stages({ primary: n2, upstreams: {} }, [n1, n2, n3]), true);
    expectNoFailure(r);
    expect(changed(r, n3).join('\n')).toMatch(/backs up .*-2/);
    expect(changed(r, n2)).toEqual(['file /etc/pgbouncer/pgbouncer.databases.ini', 'run pending handlers: reload pgbouncer.service']);
    expect((await tc.ssh(n2, 'cat /etc/pgbouncer/pgbouncer.databases.ini')).stdout).toContain(`host=${n1} `);
  });

  it('after a failover: Barman follows the new primary, keeps its backups, takes one on the new timeline; PgBouncer reloads', async () => {
    const before = JSON.parse(await barman(`-f json list-backups ${SERVER}`))[SERVER] as { backup_id: string }[];
    await new Promise<void>((resolve, reject) => execFile('docker', ['stop', '-t', '5', n1], (e) => (e ? reject(e) : resolve())));
    const promoted = await tc.ssh(n2, `runuser -u postgres -- psql -XAtc 'select pg_promote()'`);
    expect(promoted.stdout.trim()).toBe('t');

    const pidBefore = (await tc.ssh(n2, 'systemctl show -p MainPID --value pgbouncer')).stdout.trim();
    const t0 = Date.now();
    const r = await runRoles(tc, made, stages({ primary: n2, upstreams: {} }, [n2, n3]));
    expectNoFailure(r);
    console.log(`retarget run: ${Date.now() - t0} ms`);
    expect(changed(r, n3).join('\n')).toMatch(/first base backup of .*-2 on its timeline/);
    // The old primary is down: its slot cannot be dropped, which is tolerated.
    expect(r.results.find((x) => x.host === n3 && /drop an unused Barman slot on .*-1/.test(x.task))?.message).toMatch(/tolerated/);
    expect((await tc.ssh(n2, 'systemctl show -p MainPID --value pgbouncer')).stdout.trim()).toBe(pidBefore);

    const after = JSON.parse(await barman(`-f json list-backups ${SERVER}`))[SERVER] as { backup_id: string; status: string }[];
    expect(after.length).toBe(before.length + 1);
    for (const b of before) expect(after.map((x) => x.backup_id)).toContain(b.backup_id);
    const newest = after[0]!.backup_id;
    expect(await barman(`show-backup ${SERVER} ${newest}`)).toMatch(/Timeline\s*:\s*2/);
    expect(await barman(`check ${SERVER}`)).not.toContain('FAILED');
    const slots = await tc.ssh(n2, `runuser -u postgres -- psql -XAtc "select slot_name, active from pg_replication_slots"`);
    expect(slots.stdout).toContain('backup_m1e2eb_roles_3|t');

    const w = await psqlLocal(address(n2), `INSERT INTO writes (via) VALUES ('${n2}') RETURNING host(inet_server_addr())`, made.passwords[APP_USER]!);
    expect(w.stderr).toBe('');
    expect(w.stdout.trim()).toBe(address(n2));
  });

  it('the next run changes nothing, and neither does a databases file the promote hook wrote', async () => {
    const r = await runRoles(tc, made, stages({ primary: n2, upstreams: {} }, [n2, n3]));
    expectNoFailure(r);
    for (const h of [n2, n3]) expect(changed(r, h)).toEqual([]);

    // What repmgr's promote hook runs on each PgBouncer host (roles/repmgr/templates/promote_command.sh.hbs).
    const hook = 'umask 077; cat > /etc/pgbouncer/pgbouncer.databases.ini.m1-new && mv -f /etc/pgbouncer/pgbouncer.databases.ini.m1-new /etc/pgbouncer/pgbouncer.databases.ini && pkill -HUP -x pgbouncer';
    const text = databasesIni(pgbouncerDatabases(tc.cluster), n2);
    expect((await tc.ssh(n2, `runuser -u postgres -- sh -c '${hook}'`, text)).code).toBe(0);
    const again = await runRoles(tc, made, stages({ primary: n2, upstreams: {} }, [n2]));
    expectNoFailure(again);
    expect(changed(again, n2)).toEqual([]);
  });
});
