/**
 * EFM as M1's failover manager, on real containers, as TPA's own configure
 * wrote it (test/fixtures/tpa-configs/efm-2loc.yml, unedited: three
 * locations, a cascaded replica, the Barman host and a witness-only location
 * as witnesses; image tpa/debian:12, run as the packages image with
 * M1_DEBIAN_IMAGE=m1/debian-packages). EFM itself cannot be installed here
 * (EDB's repository is out of reach), so:
 *  (a) without EDB_SUBSCRIPTION_TOKEN, `m1 deploy` exits 2 with one line
 *      saying what to set, and no host changed (each host's files, services,
 *      accounts and packages compared before and after);
 *  (b) `m1 deploy --skip-packages efm` deploys everything else: the primary
 *      and its pg_basebackup replica stream through a slot, the witnesses run
 *      the EFM files and no Postgres, the EFM files have their owner, mode
 *      and content, db.password.encrypted is the one key left out and the
 *      output says so; a second deploy changes nothing; `m1 status` shows the
 *      EFM view as unavailable without crashing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasRole, runsPostgres } from '../../../src/inventory/cluster.js';
import { efmHostFiles } from '../../../src/products/efm/files.js';
import { efmSlotName } from '../../../src/products/efm/clone.js';
import { efmPaths, efmVersion } from '../../../src/products/efm/version.js';
import { efmProperties } from '../../../src/products/efm/properties.js';
import { TOKEN_VARIABLE } from '../../../src/products/efm/tokenGate.js';
import { DEBIAN_IMAGE_VARIABLE } from '../../../src/platforms/docker/imageName.js';
import { provisionTpaConfig, type TpaTestCluster } from '../../support/tpaConfigs.js';
import { eventually, leakedSecrets, m1, recapOf, runLogs, sql, storedSecrets, type CliRun } from '../support/m1.js';

const savedImage = process.env[DEBIAN_IMAGE_VARIABLE];
let NAME: string;
let c: TpaTestCluster;
let primary: string;
let replica: string;
let witnesses: Set<string>;
let first: CliRun;
let firstMs: number;
const outputs: CliRun[] = [];

/** m1 with EDB_SUBSCRIPTION_TOKEN set to `token` (or unset), restored afterwards. */
async function withToken<T>(token: string | undefined, run: () => Promise<T>): Promise<T> {
  const saved = process.env[TOKEN_VARIABLE];
  if (token === undefined) delete process.env[TOKEN_VARIABLE];
  else process.env[TOKEN_VARIABLE] = token;
  try {
    return await run();
  } finally {
    if (saved === undefined) delete process.env[TOKEN_VARIABLE];
    else process.env[TOKEN_VARIABLE] = saved;
  }
}

async function deploy(...flags: string[]): Promise<CliRun> {
  const r = await withToken(undefined, () => m1('deploy', c.dir, ...flags));
  outputs.push(r);
  return r;
}

/**
 * What a deploy would change on a host, in one listing: files under the
 * places deploy writes (names, owners, modes, sizes, checksums), unit states,
 * accounts and installed packages.
 */
const SNAPSHOT = [
  'for d in /etc/edb /opt/postgres /etc/systemd/system /etc/sudoers.d /etc/postgresql /etc/postgresql-common /etc/pgbouncer /etc/barman.d /etc/ssh /var/lib/postgresql /var/lib/barman /usr/local/bin /etc/apt/sources.list.d; do',
  '  [ -e "$d" ] && find "$d" -xdev \\( -type f -o -type d -o -type l \\) -printf "%p %u %g %m %s\\n" | LC_ALL=C sort;',
  'done',
  'md5sum /etc/hosts /etc/passwd /etc/group 2>/dev/null',
  'systemctl list-units --all --no-legend --plain --type=service 2>/dev/null | awk \'{print $1, $3, $4}\' | grep -v -e systemd- -e user@ | LC_ALL=C sort',
  "dpkg-query -W -f '${Package} ${Version}\\n' | LC_ALL=C sort | md5sum",
].join('\n');

async function snapshots(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  await Promise.all(
    c.cluster.instances.map(async (i) => {
      const r = await c.ssh(i.name, SNAPSHOT);
      expect(r.code, r.stderr).toBe(0);
      out[i.name] = r.stdout;
    }),
  );
  return out;
}

/** Owner, group and mode of each path on a host (one command), by path. */
async function stats(host: string, paths: string[]): Promise<Record<string, string>> {
  const r = await c.ssh(host, `stat -c '%n %U %G %a' ${paths.join(' ')}`);
  expect(r.code, `${host}: ${r.stderr}`).toBe(0);
  return Object.fromEntries(r.stdout.trim().split('\n').map((l) => {
    const [path, ...rest] = l.split(' ');
    return [path!, rest.join(' ')];
  }));
}

async function content(host: string, path: string): Promise<string> {
  const r = await c.ssh(host, `cat ${path}`);
  expect(r.code, `${host}: ${path}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

function properties(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    m.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return m;
}

/**
 * The test image has every role's packages on every host and Debian starts
 * their services (a Postgres on 127.0.0.1:5432 even on the Barman host): stop
 * and disable those a real host of that role would not have.
 */
async function likeFreshHosts(): Promise<void> {
  await Promise.all(
    c.cluster.instances.map(async (i) => {
      const units = ['etcd', 'haproxy', 'patroni'];
      if (!runsPostgres(i, c.cluster.failoverManager)) units.push(`postgresql@${c.cluster.postgresVersion}-main`, 'postgresql');
      if (!hasRole(i, 'pgbouncer')) units.push('pgbouncer');
      const r = await c.ssh(i.name, `systemctl disable --now ${units.join(' ')} >/dev/null 2>&1; true`);
      expect(r.code, r.stderr).toBe(0);
    }),
  );
}

describe('EFM cluster: the token gate, then --skip-packages efm', () => {
  beforeAll(async () => {
    process.env[DEBIAN_IMAGE_VARIABLE] = 'm1/debian-packages';
    c = await provisionTpaConfig('efm-2loc');
    NAME = c.cluster.name;
    primary = c.cluster.instances.find((i) => i.roles.includes('primary'))!.name;
    replica = c.cluster.instances.find((i) => i.roles.includes('replica'))!.name;
    witnesses = new Set(c.cluster.instances.filter((i) => i.roles.includes('witness')).map((i) => i.name));
    expect(witnesses.size).toBe(2);
    await likeFreshHosts();
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
    if (savedImage === undefined) delete process.env[DEBIAN_IMAGE_VARIABLE];
    else process.env[DEBIAN_IMAGE_VARIABLE] = savedImage;
  });

  it("runs m1's packages image for TPA's tpa/debian:12, said once", () => {
    expect(c.provisionLines.filter((l) => l.startsWith('image tpa/debian:12'))).toEqual([
      "image tpa/debian:12 is TPA's Debian 12: m1 runs m1/debian-packages:bookworm for it (M1_DEBIAN_IMAGE=m1/debian-packages)",
    ]);
  });

  it('(a) without EDB_SUBSCRIPTION_TOKEN: exit 2, one line naming the variable, and no host changed', async () => {
    const before = await snapshots();
    const config = await readFile(join(c.dir, 'config.yml'), 'utf8');
    const r = await deploy();
    expect(r.code, r.out + r.err).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines, r.err).toHaveLength(1);
    expect(lines[0]).toMatch(/set EDB_SUBSCRIPTION_TOKEN/);
    expect(lines[0]).toMatch(/--skip-packages efm/);
    expect(r.out).not.toMatch(/^stage |provision:/m);
    expect(await snapshots()).toEqual(before);
    expect(await readFile(join(c.dir, 'config.yml'), 'utf8')).toBe(config);
  });

  it('(a) a token but no repository address: exit 2 naming edb_repository_url; the token is in no output', async () => {
    const token = 'e2eFakeToken0123456789';
    const before = await snapshots();
    const r = await withToken(token, () => m1('deploy', c.dir));
    expect(r.code, r.out + r.err).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/cluster_vars\.edb_repository_url is not set/);
    expect(r.out + r.err).not.toContain(token);
    expect(await readFile(join(c.dir, 'config.yml'), 'utf8')).not.toContain(token);
    expect(await snapshots()).toEqual(before);
  });

  it('(b) --skip-packages efm deploys (exit 0) and says db.password.encrypted is left out', async () => {
    const t = performance.now();
    first = await deploy('--skip-packages', 'efm');
    firstMs = performance.now() - t;
    console.log(`first deploy --skip-packages efm: ${(firstMs / 1000).toFixed(1)} s`);
    expect(first.code, first.out + first.err).toBe(0);
    expect(first.out).toContain(`--skip-packages efm: db.password.encrypted left out of /etc/edb/efm-4.9/${NAME}.properties`);
    expect(first.out).toMatch(/--skip-packages efm: EDB repository, packages edb-efm49 .*skipped/);
    expect(first.out).toMatch(/clone from .* with pg_basebackup/);
  });

  it('(b) the primary streams to the pg_basebackup replica through its slot', async () => {
    const slot = efmSlotName({ name: replica });
    expect(await eventually(async () => (await sql(c, primary, `SELECT state FROM pg_stat_replication WHERE application_name = '${replica}'`)) === 'streaming', 30_000)).toBe(true);
    expect(await sql(c, primary, `SELECT active FROM pg_replication_slots WHERE slot_name = '${slot}'`)).toBe('t');
    expect(await sql(c, replica, 'SELECT pg_is_in_recovery()')).toBe('t');
    expect(await sql(c, replica, "SELECT current_setting('primary_slot_name')")).toBe(slot);
    // primary_conninfo holds no password: it comes from postgres's .pgpass
    const conninfo = await sql(c, replica, "SELECT current_setting('primary_conninfo')");
    expect(conninfo).toMatch(new RegExp(`host=${primary} .*application_name=${replica}`));
    expect(conninfo).not.toMatch(/password=/);
    const token = `efm-${Date.now()}`;
    await sql(c, primary, `CREATE TABLE IF NOT EXISTS m1e2efm (v text); INSERT INTO m1e2efm VALUES ('${token}')`);
    expect(await eventually(async () => (await sql(c, replica, `SELECT count(*) FROM m1e2efm WHERE v = '${token}'`)) === '1', 15_000)).toBe(true);
  });

  it('(b) the witnesses run no Postgres; every EFM agent may log in as efm (md5 line, no TLS)', async () => {
    for (const witness of witnesses) {
      const w = await c.ssh(witness, 'test -e /opt/postgres/data/PG_VERSION; echo pgdata=$?; test -e /etc/systemd/system/postgres.service; echo unit=$?; ss -Hltn "sport = :5432" | wc -l');
      expect(w.stdout, witness).toMatch(/pgdata=1/);
      expect(w.stdout, witness).toMatch(/unit=1/);
      expect(w.stdout.trim().split('\n').pop(), `something listens on 5432 on ${witness}`).toBe('0');
    }
    const witness = [...witnesses].at(-1)!;
    expect(await sql(c, primary, "SELECT rolsuper FROM pg_roles WHERE rolname = 'efm'")).toBe('t');
    const hba = await content(primary, '/opt/postgres/data/pg_hba.conf');
    for (const i of c.cluster.instances) expect(hba).toContain(`host all efm ${i.ipAddress}/32 md5`);
    const secrets = await storedSecrets(c.dir);
    expect(secrets['efm']).toBeTruthy();
    const login = await c.ssh(
      witness,
      `PGPASSWORD="$(cat)" /usr/lib/postgresql/15/bin/psql -XAtq "host=${primary} dbname=postgres user=efm sslmode=disable" -c 'SELECT current_user'`,
      secrets['efm'],
    );
    expect(login.stdout.trim(), login.stderr).toBe('efm');
  });

  it('(b) the EFM files are in place with their owner, mode and content on every agent', async () => {
    const paths = efmPaths(efmVersion(c.cluster));
    // the hosts side by side, each one's owners and modes in one command
    await Promise.all(c.cluster.instances.map(async (i) => {
      const want = efmHostFiles(c.cluster, i);
      const entries = [...want.directories, ...want.files];
      const owners = await stats(i.name, entries.map((e) => e.path));
      for (const e of entries) expect(owners[e.path], `${i.name}: ${e.path}`).toBe(`${e.owner} ${e.group} ${Number.parseInt(e.mode, 8).toString(8)}`);
      const props = properties(await content(i.name, `${paths.confDir}/${NAME}.properties`));
      expect(props.get('is.witness'), i.name).toBe(witnesses.has(i.name) ? 'true' : 'false');
      expect(props.get('bind.address'), i.name).toBe(`${i.ipAddress}:7800`);
      // a cascaded replica (kaput streams from kapok) is not promoted by EFM
      const cascaded = i.roles.includes('replica') && i.upstream !== primary;
      expect(props.get('promotable'), i.name).toBe(witnesses.has(i.name) || cascaded ? 'false' : 'true');
      expect(props.get('application.name')).toBe(i.name);
      expect(props.get('db.user')).toBe('efm');
      // the one property m1 writes with EFM installed and left out here: the encrypted password
      const complete = efmProperties(c.cluster, i, { encryptedPassword: '0123456789abcdef' }).properties;
      expect([...complete.keys()].filter((k) => !props.has(k))).toEqual(['db.password.encrypted']);
      expect([...props.keys()].filter((k) => !complete.has(k))).toEqual([]);
      const nodes = (await content(i.name, `${paths.confDir}/${NAME}.nodes`)).split('\n').filter((l) => l && !l.startsWith('#'));
      expect(nodes.sort()).toEqual(c.cluster.instances.map((x) => `${x.ipAddress}:7800`).sort());
      const sudoers = await c.ssh(i.name, 'visudo -cf /etc/sudoers.d/m1_efm');
      expect(sudoers.code, sudoers.stdout + sudoers.stderr).toBe(0);
      const account = await c.ssh(i.name, 'id -nG efm; getent passwd efm | cut -d: -f6; id -nG postgres');
      expect(account.stdout.split('\n')[0]).toBe('efm');
      expect(account.stdout.split('\n')[1]).toBe('/var/efm');
      if (!witnesses.has(i.name)) expect(account.stdout.split('\n')[2]).toMatch(/\befm\b/);
      // EFM is neither started nor enabled: its package was skipped
      const svc = await c.ssh(i.name, `systemctl is-enabled ${paths.serviceName}; systemctl is-active ${paths.serviceName}`);
      expect(svc.stdout).toMatch(/disabled/);
      expect(svc.stdout).toMatch(/inactive/);
    }));
  });

  it('(b) a second deploy changes nothing; no password in any output or log', async () => {
    const t = performance.now();
    const again = await deploy('--skip-packages', 'efm');
    console.log(`second deploy --skip-packages efm: ${((performance.now() - t) / 1000).toFixed(1)} s`);
    expect(again.code, again.out + again.err).toBe(0);
    const recap = recapOf(again.out);
    expect(Object.keys(recap).sort()).toEqual(c.cluster.instances.map((i) => i.name).sort());
    for (const [host, r] of Object.entries(recap)) expect(r.changed, `${host}: ${again.out}`).toBe(0);
    expect(again.out).toMatch(/nothing to change/);
    const check = await deploy('--check', '--skip-packages', 'efm');
    expect(check.code, check.out + check.err).toBe(0);
    expect(check.out).toMatch(/nothing to change \(check mode\)/);
    const secrets = await storedSecrets(c.dir);
    expect(leakedSecrets(secrets, [...outputs.flatMap((o) => [o.out, o.err]), await runLogs(c.dir)])).toEqual([]);
  });

  it('(b) m1 test: every check passes but the failover manager\'s own (EFM is not installed)', async () => {
    const r = await m1('test', c.dir);
    outputs.push(r);
    expect(r.code, r.out + r.err).toBe(1);
    const rows = (verdict: string) => r.out.split('\n').filter((l) => l.startsWith(verdict)).map((l) => l.replace(/\s+/g, ' ').trim());
    expect(rows('FAIL')).toEqual([
      'FAIL efm sees every node no node answered with its view',
      ...c.cluster.instances.map((i) => `FAIL services on ${i.name} edb-efm-4.9 inactive`),
    ]);
    // the rest passes: one primary, the write read on every replica (the cascaded one too), barman check
    expect(rows('PASS')).toEqual([
      `PASS exactly one primary ${primary}`,
      expect.stringMatching(new RegExp(`^PASS write on the primary ${primary} `)),
      ...c.cluster.instances.filter((i) => i.roles.includes('replica')).map((i) => expect.stringMatching(new RegExp(`^PASS ${i.name} reads the write `))),
      expect.stringMatching(/^PASS barman check .* OK; backs up /),
    ]);
  });

  it('(b) m1 status shows the EFM view as unavailable (efm not installed) without crashing', async () => {
    const r = await m1('status', c.dir);
    expect([0, 1]).toContain(r.code);
    expect(r.out).toMatch(/^efm: /m);
    // every agent's EFM service reported as not running, and no EFM view read
    for (const i of c.cluster.instances) expect(r.out).toMatch(new RegExp(`${i.name}: service edb-efm-4\\.9 is inactive`));
    expect(r.out).toMatch(/efm: no node answered/);
    expect(r.err).not.toMatch(/\n\s+at /);
  });
});
