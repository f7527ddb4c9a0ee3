/**
 * Scenario 1: the default repmgr layout (primary, replica, Barman +
 * witness) as TPA's own configure wrote it (test/fixtures/tpa-configs/
 * repmgr-default.yml, unedited: image tpa/debian:12, TPA's hostnames and
 * docker_networks), provisioned on m1/debian:bookworm, the image m1 runs for
 * it, and deployed FROM SCRATCH (every package installed by deploy); `m1
 * test` passes; redeployed: nothing to change, no password in any output or
 * log, the SCRAM verifiers in pg_authid untouched.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { primaryOf } from '../../../src/inventory/topology.js';
import { barmanServerName } from '../../../src/products/barman/serverName.js';
import { provisionTpaConfig, type TpaTestCluster } from '../../support/tpaConfigs.js';
import { clusterShow, eventually, leakedSecrets, m1, recapOf, runLogs, sql, storedSecrets, type CliRun } from '../support/m1.js';
import { clientPsql, SESSION_QUERY } from '../support/verifiedClient.js';

const MAPPED = /^(provision: )?image tpa\/debian:12 is TPA's Debian 12: m1 runs m1\/debian:bookworm for it/gm;
let c: TpaTestCluster;
const outputs: CliRun[] = [];
let first: CliRun;

async function deploy(...flags: string[]): Promise<CliRun> {
  const r = await m1('deploy', c.dir, ...flags);
  outputs.push(r);
  return r;
}

/** The certificates deploy stored in the cluster directory, by file. */
async function storedCertificates(): Promise<Record<string, string>> {
  const dir = join(c.dir, 'tls', 'hosts');
  const out: Record<string, string> = { ca: await readFile(join(c.dir, 'tls', 'ca.crt'), 'utf8') };
  for (const f of (await readdir(dir)).filter((x) => x.endsWith('.crt'))) out[f] = await readFile(join(dir, f), 'utf8');
  return out;
}

function address(host: string): string {
  return c.inventory.hosts.find((h) => h.name === host)!.address;
}

/** The hosts that run Postgres (the witness's server too). */
function servers(): string[] {
  return c.cluster.instances.filter((i) => (['primary', 'replica', 'witness'] as const).some((r) => i.roles.includes(r))).map((i) => i.name);
}

const VERIFIERS = "SELECT rolname || ' ' || rolpassword FROM pg_authid WHERE rolpassword IS NOT NULL ORDER BY 1";

describe("scenario 1: TPA's default repmgr config.yml, installed from scratch", () => {
  beforeAll(async () => {
    c = await provisionTpaConfig('repmgr-default');
    first = await deploy();
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it("provision runs m1/debian:bookworm for TPA's tpa/debian:12 and says so once", async () => {
    expect(c.provisionLines.join('\n').match(MAPPED), c.provisionLines.join('\n')).toHaveLength(1);
    for (const i of c.cluster.instances) expect(c.result.hosts.find((h) => h.name === i.name)?.status).toBe('created');
    const inspect = await Promise.all(c.cluster.instances.map((i) => c.ssh(i.name, '. /etc/os-release && echo $VERSION_CODENAME')));
    expect(inspect.map((r) => r.stdout.trim())).toEqual(c.cluster.instances.map(() => 'bookworm'));
  });

  it('deploys (exit 0) with every package installed by deploy', () => {
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out.match(MAPPED)).toHaveLength(1);
    expect(first.out).toMatch(/installed .*postgresql-15/);
    expect(first.out).toMatch(/changed \d+ on 3 hosts/);
  });

  it('repmgr cluster show lists all three running with the right upstream', async () => {
    const primary = primaryOf(c.cluster).name;
    const rows = await clusterShow(c, primary);
    expect(rows.map((r) => r.name).sort()).toEqual(c.cluster.instances.map((i) => i.name).sort());
    for (const i of c.cluster.instances) {
      const row = rows.find((r) => r.name === i.name)!;
      expect(row.status).toMatch(/running/);
      expect(row.role).toBe(i.roles.includes('primary') ? 'primary' : i.roles.includes('witness') ? 'witness' : 'standby');
      expect(row.upstream).toBe(i.roles.includes('primary') ? '' : primaryOf(c.cluster).name);
    }
  });

  it('a row written on the primary is read on the replica', async () => {
    const primary = primaryOf(c.cluster).name;
    const replica = c.cluster.instances.find((i) => i.roles.includes('replica'))!.name;
    const token = `row-${Date.now()}`;
    await sql(c, primary, `CREATE TABLE IF NOT EXISTS m1e2e (v text); INSERT INTO m1e2e VALUES ('${token}');`);
    expect(await eventually(async () => (await sql(c, replica, `SELECT count(*) FROM m1e2e WHERE v = '${token}'`)) === '1', 10_000)).toBe(true);
    // and it is a hot standby in recovery, with data checksums from the primary's initdb
    expect(await sql(c, replica, 'SELECT pg_is_in_recovery()')).toBe('t');
    expect(await sql(c, primary, 'SHOW data_checksums')).toBe('on');
  });

  it('barman check is all OK for the cluster (backup and recover: test/e2e/barman)', async () => {
    const barman = c.cluster.instances.find((i) => i.roles.includes('barman'))!.name;
    const r = await c.ssh(barman, `cd / && runuser -u barman -- barman check ${barmanServerName(c.cluster)}`);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(/FAILED/);
  });

  it('clients outside the cluster (app) connect to every data node with sslmode=verify-full against the cluster CA; a name the certificate lacks is refused', async () => {
    const password = (await storedSecrets(c.dir))['app']!;
    const dataNodes = c.cluster.instances.filter((i) => i.roles.includes('primary') || i.roles.includes('replica')).map((i) => i.name);
    for (const h of dataNodes) {
      // by name and by address: the certificate carries both
      for (const name of [h, address(h)]) {
        const r = await clientPsql(c.dir, { name, address: address(h), port: 5432, user: 'app', password }, SESSION_QUERY);
        expect(r.code, `${h} as ${name}: ${r.err}`).toBe(0);
        expect(r.out).toBe(`t|${address(h)}`);
      }
      const wrong = await clientPsql(c.dir, { name: 'not-a-cluster-host', address: address(h), port: 5432, user: 'app', password }, 'SELECT 1');
      expect(wrong.code).not.toBe(0);
      expect(wrong.err).toMatch(/does not match host name/);
    }
    // what the hosts serve is what the cluster directory holds (what m1 status reports on)
    const stored = await storedCertificates();
    for (const i of c.cluster.instances) {
      const served = await c.ssh(i.name, `cat /etc/m1/ssl/${i.name}.crt /etc/m1/ssl/ca.crt`);
      expect(served.stdout, i.name).toBe(stored[`${i.name}.crt`]! + stored['ca']!);
    }
  });

  it('superusers and service users are refused from outside the cluster with their own passwords (the witness too); app gets in on the data nodes', async () => {
    const secrets = await storedSecrets(c.dir);
    const dataNodes = new Set(c.cluster.instances.filter((i) => i.roles.includes('primary') || i.roles.includes('replica')).map((i) => i.name));
    for (const h of servers()) {
      for (const user of ['postgres', 'repmgr', 'barman']) {
        const r = await clientPsql(c.dir, { name: h, address: address(h), port: 5432, user, dbname: user === 'repmgr' ? 'repmgr' : 'postgres', password: secrets[user]! }, 'SELECT 1');
        expect(r.code, `${user}@${h}`).not.toBe(0);
        expect(r.err, `${user}@${h}`).toMatch(/pg_hba.conf rejects connection for host .*user "\w+"/);
      }
      // The witness holds repmgr's metadata only: no application user or database.
      if (!dataNodes.has(h)) continue;
      const app = await clientPsql(c.dir, { name: h, address: address(h), port: 5432, user: 'app', password: secrets['app']! }, 'SELECT current_user');
      expect(app.out, `app@${h}: ${app.err}`).toBe('app');
    }
  });

  it('m1 status lists the expiry of the cluster CA and of each host certificate', async () => {
    const r = await m1('status', c.dir, '--json');
    outputs.push(r);
    const s = JSON.parse(r.out) as { certificates: { host: string; notAfter: string; daysLeft: number }[] };
    expect(s.certificates.map((x) => x.host).sort()).toEqual(['ca', ...c.cluster.instances.map((i) => i.name)].sort());
    for (const x of s.certificates) expect(x.daysLeft, x.host).toBeGreaterThanOrEqual(x.host === 'ca' ? 3640 : 360);
    const text = await m1('status', c.dir);
    outputs.push(text);
    expect(text.out).toMatch(/certificates \(valid until/);
    for (const i of c.cluster.instances) expect(text.out).toMatch(new RegExp(`^\\s+${i.name}\\s+\\d{4}-\\d\\d-\\d\\d\\s+36[45]\\s*$`, 'm'));
  });

  it('m1 test passes', async () => {
    const r = await m1('test', c.dir);
    outputs.push(r);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.out).toMatch(/all \d+ checks passed/);
  });

  it('a second deploy changes nothing on any host, and --check reports nothing to change', async () => {
    const primary = primaryOf(c.cluster).name;
    const before = await sql(c, primary, VERIFIERS);
    const certsBefore = await storedCertificates();
    const loadedBefore = await Promise.all(servers().map((h) => sql(c, h, 'SELECT pg_conf_load_time()')));
    const again = await deploy();
    expect(again.code, again.out + again.err).toBe(0);
    const recap = recapOf(again.out);
    expect(Object.keys(recap).sort()).toEqual(c.cluster.instances.map((i) => i.name).sort());
    for (const [host, r] of Object.entries(recap)) expect(r.changed, `${host}: ${again.out}`).toBe(0);
    expect(again.out).toMatch(/nothing to change/);
    const check = await deploy('--check');
    expect(check.code, check.out + check.err).toBe(0);
    expect(check.out).toMatch(/nothing to change \(check mode\)/);
    // the verifiers are exactly those stored before: same salt, same keys
    expect(await sql(c, primary, VERIFIERS)).toBe(before);
    expect(before).toMatch(/repmgr SCRAM-SHA-256\$4096:/);
    // no certificate reissued, no server reloaded for one
    expect(again.out).not.toMatch(/certificate of .* reissued/);
    expect(await storedCertificates()).toEqual(certsBefore);
    expect(await Promise.all(servers().map((h) => sql(c, h, 'SELECT pg_conf_load_time()')))).toEqual(loadedBefore);
  });

  it('show-password prints exactly the stored password; an unknown user is exit 2 naming the known ones', async () => {
    const secrets = await storedSecrets(c.dir);
    const shown = await m1('show-password', c.dir, 'repmgr');
    expect(shown.code).toBe(0);
    expect(shown.out).toBe(`${secrets['repmgr']}\n`);
    const unknown = await m1('show-password', c.dir, 'nobody');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/known: .*postgres.*repmgr/);
    // the password works: repmgr logs in over TLS with it
    const primary = primaryOf(c.cluster).name;
    const login = await c.ssh(primary, `PGPASSWORD="$(cat)" /usr/lib/postgresql/15/bin/psql -XAtq "host=${primary} dbname=repmgr user=repmgr sslmode=require" -c 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()'`, secrets['repmgr']);
    expect(login.stdout.trim(), login.stderr).toBe('t');
  });

  it('refuses (exit 3), before any change, a Postgres version the package sources lack, naming the fix', async () => {
    const config = join(c.dir, 'config.yml');
    const text = await readFile(config, 'utf8');
    await writeFile(config, text.replace("postgres_version: '15'", "postgres_version: '16'"));
    try {
      const r = await deploy();
      expect(r.code, r.out + r.err).toBe(3);
      expect(r.err).toMatch(/postgresql-16 is not available from the package sources of/);
      expect(r.err).toMatch(/fix: set postgres_version/);
      expect(r.out).not.toMatch(/^stage /m);
    } finally {
      await writeFile(config, text);
    }
  });

  it('m1 rotate-password repmgr: a new stored password, set on the primary and in every .pgpass; repmgr keeps working; neither password printed; the next deploy changes nothing', async () => {
    const primary = primaryOf(c.cluster).name;
    const old = (await storedSecrets(c.dir))['repmgr']!;
    const r = await m1('rotate-password', c.dir, 'repmgr');
    outputs.push(r);
    expect(r.code, r.out + r.err).toBe(0);
    const fresh = (await storedSecrets(c.dir))['repmgr']!;
    expect(fresh).not.toBe(old);
    expect(leakedSecrets({ old, fresh }, [r.out, r.err])).toEqual([]);
    const login = (password: string) =>
      c.ssh(primary, `PGPASSWORD="$(cat)" /usr/lib/postgresql/15/bin/psql -XAtq "host=${primary} dbname=repmgr user=repmgr sslmode=require" -c 'SELECT 1'`, password);
    expect((await login(fresh)).stdout.trim()).toBe('1');
    expect((await login(old)).stderr).toMatch(/password authentication failed for user "repmgr"/);
    for (const h of servers()) {
      const pgpass = await c.ssh(h, 'cat /var/lib/postgresql/.pgpass');
      expect(pgpass.stdout, h).toContain(`:repmgr:${fresh}`);
      expect(pgpass.stdout, h).not.toContain(old);
    }
    const rows = await clusterShow(c, primary);
    expect(rows.map((x) => x.status)).toEqual(rows.map(() => expect.stringMatching(/running/)));
    const again = await deploy();
    for (const [host, x] of Object.entries(recapOf(again.out))) expect(x.changed, `${host}: ${again.out}`).toBe(0);
    const unknown = await m1('rotate-password', c.dir, 'nobody');
    expect(unknown.code).toBe(2);
  });

  it('no stored password appears in any output or run log', async () => {
    const secrets = await storedSecrets(c.dir);
    expect(Object.keys(secrets)).toEqual(expect.arrayContaining(['postgres', 'repmgr', 'barman', 'streaming_barman', 'replication']));
    const texts = [...outputs.flatMap((o) => [o.out, o.err]), await runLogs(c.dir)];
    expect(texts.at(-1)!.length).toBeGreaterThan(1000);
    expect(leakedSecrets(secrets, texts)).toEqual([]);
  });
});
