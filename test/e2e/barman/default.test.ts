/**
 * Barman in the default M1 cluster (primary, replica, Barman + witness;
 * repmgr; docker), deployed by `m1 deploy`: `barman check` all OK, `m1
 * backup` takes a backup that `m1 backups` lists (one more, same id), `barman
 * check` stays OK and `m1 test` passes, `barman recover` of it into a scratch directory on the
 * Barman host yields a data directory that starts (on another port) and holds
 * a row written before the backup; a second deploy changes nothing and
 * trusts the check m1 backup recorded. Then a switchover (repmgr, by hand): the next deploy retargets
 * Barman to the new primary (check OK, a backup on timeline 2, the earlier
 * backups still listed, the slot on the old primary dropped) and the one after
 * changes nothing. Last, the m1 package as an outside project uses it: the
 * `npm pack` tarball installed into a scratch folder, a script importing
 * `m1` type-checked against its declarations, reading this cluster's status.
 */
import { access, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCluster } from '../../../src/config/load.js';
import { readInventory } from '../../../src/inventory/inventory.js';
import { platformFor } from '../../../src/platforms/index.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { barmanServerName } from '../../../src/products/barman/serverName.js';
import { deployCluster, type DeployOutcome } from '../../../playbooks/deploy/deploy.js';
import { hasRole } from '../../../src/inventory/cluster.js';
import { barmanSlotName } from '../../../src/products/barman/serverName.js';
import { installPackedM1, type OutsideProject } from '../../support/packed.js';
import { provisionConfiguredCluster, sshRun, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { e2eClusterName } from '../../support/testCluster.js';
import { m1 } from '../support/m1.js';

const NAME = e2eClusterName('m1e2eb-default');
// Outside barman's home (0750): postgres must reach it to start the recovered server.
const RECOVER_DIR = '/var/tmp/m1e2eb-recover';
let tc: ProvisionedTestCluster;
// m1 restore's new cluster, beside the source's directory.
const RESTORE_DIR = join(tmpdir(), 'm1-test-configured', `${NAME}-pitr`);
let restored: Cluster | undefined;

/** Deprovisions m1 restore's cluster (also one a failed restore left half made) and removes its directory. */
async function removeRestored(): Promise<void> {
  const left = restored ?? (await loadCluster(RESTORE_DIR).then((l) => l.cluster).catch(() => undefined));
  if (left) await platformFor(left).deprovision(left);
  await rm(RESTORE_DIR, { recursive: true, force: true });
}
let server: string;
let barmanHost: string;
let primary: string;
const log: string[] = [];

async function deploy(check = false): Promise<DeployOutcome> {
  return deployCluster(tc.dir, { check, write: (t) => void log.push(t), tty: false });
}

async function on(host: string, cmd: string, input?: string): Promise<string> {
  const r = await tc.ssh(host, cmd, input);
  if (r.code !== 0) throw new Error(`${host}: \`${cmd}\` exited ${r.code}: ${r.stdout}${r.stderr}`);
  return r.stdout;
}

const asBarman = (args: string) => `runuser -u barman -- barman ${args}`;

beforeAll(async () => {
  await removeRestored(); // what an interrupted run left behind
  tc = await provisionConfiguredCluster({ name: NAME, configure: { failoverManager: 'repmgr', postgresql: '15' }, image: 'm1/debian-packages:bookworm', fresh: !process.env.M1E2EB_REUSE });
  server = barmanServerName(tc.cluster);
  barmanHost = tc.cluster.instances.find((i) => hasRole(i, 'barman'))!.name;
  primary = tc.cluster.instances.find((i) => hasRole(i, 'primary'))!.name;
  const t0 = Date.now();
  const first = await deploy();
  console.log(`first deploy: ${Date.now() - t0} ms; barman stage ${JSON.stringify(first.timings.stages.find((s) => s.name.split(' + ').includes('barman')))}`);
  if (first.exitCode !== 0) throw new Error(`first deploy failed:\n${first.result.failures.join('\n')}\n${log.join('').slice(-3000)}`);
}, 1_200_000);

afterAll(async () => {
  // The restored cluster first: its primary may still be attached to the source's network.
  if (!process.env.M1E2EB_KEEP) await removeRestored();
  if (!process.env.M1E2EB_KEEP) await tc?.teardown();
});

describe('Barman in the default cluster', () => {
  it('barman check is all OK after deploy, with a first backup', async () => {
    const out = await on(barmanHost, asBarman(`check ${server}`));
    expect(out).not.toMatch(/FAILED/);
    expect(out).toMatch(/receive-wal running: OK/);
    const list = JSON.parse(await on(barmanHost, asBarman(`-f json list-backups ${server}`)))[server] as { status: string }[];
    expect(list.filter((b) => b.status === 'DONE').length).toBeGreaterThanOrEqual(1);
  });

  it('m1 backup takes a backup listed by m1 backups (one more, same id), barman check stays OK and m1 test passes; barman recover of it yields a data directory that starts', async () => {
    const marker = `before backup ${Date.now()}`;
    await on(primary, `runuser -u postgres -- psql -XAtq -c "CREATE TABLE IF NOT EXISTS m1e2eb_marker(v text); INSERT INTO m1e2eb_marker VALUES ('${marker}')"`);
    type Listed = { server: string; catalog: { backups: { id: string; status: string }[] }; window?: { earliest: string; latest: string } }[];
    const listed = async (): Promise<Listed> => {
      const r = await m1('backups', tc.dir, '--json');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as Listed;
    };
    const before = await listed();
    const t0 = Date.now();
    const taken = await m1('backup', tc.dir);
    console.log(`m1 backup: ${Date.now() - t0} ms\n${taken.out}`);
    expect(taken.code, taken.out + taken.err).toBe(0);
    const id = /^backup (\d{8}T\d{6}) of /m.exec(taken.out)?.[1];
    expect(id, taken.out).toBeDefined();
    const after = await listed();
    expect(after[0]!.server).toBe(server);
    expect(after[0]!.catalog.backups.map((b) => b.id)).toEqual([...before[0]!.catalog.backups.map((b) => b.id), id]);
    expect(after[0]!.catalog.backups.at(-1)!.status).toBe('DONE');
    expect(after[0]!.window!.latest >= after[0]!.window!.earliest).toBe(true);
    expect(await on(barmanHost, asBarman(`check ${server}`))).not.toMatch(/FAILED/);
    const text = await m1('backups', tc.dir);
    expect(text.out).toMatch(new RegExp(`^${id}\\s.*\\sDONE\\s`, 'm'));
    expect(text.out).toMatch(/^recovery window: \S+ \.\. \S+/m);
    const t1 = Date.now();
    const tested = await m1('test', tc.dir);
    console.log(`m1 test after m1 backup: ${Date.now() - t1} ms`);
    expect(tested.code, tested.out + tested.err).toBe(0);
    await on(barmanHost, `rm -rf ${RECOVER_DIR} && install -d -o barman -g barman -m 0700 ${RECOVER_DIR} && ${asBarman(`recover ${server} ${id} ${RECOVER_DIR}`)}`);
    // Started as postgres on another port, local socket only; TLS off (the key is the primary host's).
    const pgctl = '/usr/lib/postgresql/15/bin/pg_ctl';
    const opts = "-p 5499 -c listen_addresses='' -c unix_socket_directories=/tmp -c ssl=off -c archive_mode=off";
    try {
      await on(barmanHost, `chown -R postgres:postgres ${RECOVER_DIR} && cd / && runuser -u postgres -- ${pgctl} -D ${RECOVER_DIR} -o "${opts}" -l /tmp/m1e2eb-recover.log -w -t 120 start`);
      const rows = await on(barmanHost, `cd / && runuser -u postgres -- psql -XAtq -h /tmp -p 5499 -d postgres -c "select count(*) from m1e2eb_marker where v = '${marker}'"`);
      expect(rows.trim()).toBe('1');
    } finally {
      await tc.ssh(barmanHost, `cd / && runuser -u postgres -- ${pgctl} -D ${RECOVER_DIR} -m fast -w stop; rm -rf ${RECOVER_DIR}`);
    }
  });

  it('a second deploy (after m1 backup) changes nothing on any host and trusts the check m1 backup recorded, and --check reports nothing', async () => {
    const again = await deploy();
    expect(again.exitCode).toBe(0);
    const changed = again.result.results.filter((r) => r.status === 'changed').map((r) => `${r.host} ${r.role}: ${r.task}`);
    expect(changed).toEqual([]);
    expect(again.result.results.filter((r) => r.host === barmanHost).map((r) => r.task)).toContain(`barman check ${server}: nothing changed since it last passed (m1 status runs it)`);
    console.log(`second deploy: ${again.timings.totalMs} ms; barman stage ${JSON.stringify(again.timings.stages.find((s) => s.name.split(' + ').includes('barman')))}`);
    const check = await deploy(true);
    expect(check.result.results.filter((r) => r.host === barmanHost && r.status === 'changed')).toEqual([]);
  });

  it('m1 restore --target-time: a new one-node cluster from Barman holds the rows written before the time and not those after; m1 test passes on it, a second deploy of it changes nothing; the source is untouched and healthy', async () => {
    // Refused before anything is created: a target before the first backup, and one in the future.
    for (const t of ['2000-01-01 00:00:00+00', '2999-01-01 00:00:00+00']) {
      const refused = await m1('restore', tc.dir, '--into', RESTORE_DIR, '--target-time', t);
      expect(refused.code, refused.out + refused.err).toBe(2);
      expect(refused.err).toMatch(/has backups: \d{8}T\d{6} \(DONE/);
      expect(await access(RESTORE_DIR).then(() => true, () => false)).toBe(false);
    }
    const configBefore = await readFile(join(tc.dir, 'config.yml'), 'utf8');
    await on(primary, `runuser -u postgres -- psql -XAtq -c "DROP TABLE IF EXISTS m1e2eb_pitr; CREATE TABLE m1e2eb_pitr(v int); INSERT INTO m1e2eb_pitr SELECT generate_series(1, 3)"`);
    // The database clock, after the first rows committed.
    const target = (await on(primary, `runuser -u postgres -- psql -XAtq -c "select now()"`)).trim();
    await on(primary, `runuser -u postgres -- psql -XAtq -c "INSERT INTO m1e2eb_pitr SELECT generate_series(4, 6)"`);
    const t0 = Date.now();
    const r = await m1('restore', tc.dir, '--into', RESTORE_DIR, '--target-time', target);
    console.log(`m1 restore: ${Date.now() - t0} ms\n${r.out.split('\n').filter((l) => !/^\s*(ok|changed|skipped)\b/.test(l)).slice(-12).join('\n')}`);
    expect(r.code, r.out.slice(-3000) + r.err).toBe(0);
    // The WAL holding the later rows was archived by restore itself (the target lies past the last archived segment).
    expect(r.out).toMatch(/^WAL archived up to now on /m);
    expect(r.out).toMatch(/^ {2}backup used: {2}\d{8}T\d{6} /m);
    expect(r.out).toMatch(/^ {2}WAL replayed: [0-9A-F]{24} \(\S+\) \.\. [0-9A-F]+\/[0-9A-F]+ \(before /m);
    restored = await loadCluster(RESTORE_DIR).then((l) => l.cluster);
    const inv = await readInventory(RESTORE_DIR);
    const newPrimary = restored.instances.find((i) => hasRole(i, 'primary'))!.name;
    const rows = await sshRun(RESTORE_DIR, inv, newPrimary, `cd / && runuser -u postgres -- psql -XAtq -c "select string_agg(v::text, ',' order by v) from m1e2eb_pitr"`);
    expect(rows.stdout.trim(), rows.stderr).toBe('1,2,3');
    const tested = await m1('test', RESTORE_DIR);
    expect(tested.code, tested.out + tested.err).toBe(0);
    const again = await deployCluster(RESTORE_DIR, { write: (t) => void log.push(t), tty: false });
    expect(again.exitCode).toBe(0);
    expect(again.result.results.filter((x) => x.status === 'changed').map((x) => `${x.host} ${x.role}: ${x.task}`)).toEqual([]);
    // The source: the same config.yml, healthy, and its next deploy changes nothing.
    expect(await readFile(join(tc.dir, 'config.yml'), 'utf8')).toBe(configBefore);
    const st = await m1('status', tc.dir);
    expect(st.code, st.out + st.err).toBe(0);
    const src = await deploy();
    expect(src.exitCode).toBe(0);
    expect(src.result.results.filter((x) => x.status === 'changed').map((x) => `${x.host} ${x.role}: ${x.task}`)).toEqual([]);
    expect((await on(primary, `runuser -u postgres -- psql -XAtq -c "select count(*) from m1e2eb_pitr"`)).trim()).toBe('6');
  });

  it('after a switchover, deploy retargets Barman and keeps the earlier backups; the next deploy changes nothing', async () => {
    const replica = tc.cluster.instances.find((i) => hasRole(i, 'replica'))!.name;
    const before = (JSON.parse(await on(barmanHost, asBarman(`-f json list-backups ${server}`)))[server] as { backup_id: string }[]).map((b) => b.backup_id);
    const repmgr = 'cd / && runuser -u postgres -- /usr/lib/postgresql/15/bin/repmgr -f /etc/repmgr/15/repmgr.conf';
    await on(replica, `${repmgr} service pause`);
    await on(replica, `${repmgr} standby switchover --siblings-follow`);
    await on(replica, `${repmgr} service unpause`);
    expect((await on(replica, `cd / && runuser -u postgres -- psql -XAtc 'select pg_is_in_recovery()'`)).trim()).toBe('f');

    const t0 = Date.now();
    const r = await deploy();
    console.log(`deploy after the switchover: ${Date.now() - t0} ms; barman stage ${JSON.stringify(r.timings.stages.find((s) => s.name.split(' + ').includes('barman')))}`);
    expect(r.exitCode, r.result.failures.join('\n')).toBe(0);
    const barmanChanges = r.result.results.filter((x) => x.host === barmanHost && x.status === 'changed').map((x) => x.task);
    expect(barmanChanges.join('\n')).toMatch(new RegExp(`first base backup of ${replica} on its timeline`));

    expect(await on(barmanHost, asBarman(`check ${server}`))).not.toMatch(/FAILED/);
    const after = JSON.parse(await on(barmanHost, asBarman(`-f json list-backups ${server}`)))[server] as { backup_id: string; status: string }[];
    for (const id of before) expect(after.map((b) => b.backup_id)).toContain(id);
    expect(await on(barmanHost, asBarman(`show-backup ${server} ${after[0]!.backup_id}`))).toMatch(/Timeline\s*:\s*2/);
    const slot = barmanSlotName(barmanHost);
    expect(await on(primary, `cd / && runuser -u postgres -- psql -XAtc "select count(*) from pg_replication_slots where slot_name = '${slot}'"`)).toBe('0\n');
    expect(await on(replica, `cd / && runuser -u postgres -- psql -XAtc "select active from pg_replication_slots where slot_name = '${slot}'"`)).toBe('t\n');

    const again = await deploy();
    expect(again.exitCode).toBe(0);
    expect(again.result.results.filter((x) => x.host === barmanHost && x.status === 'changed').map((x) => x.task)).toEqual([]);
  });
});

/** An outside script: the live cluster read through the library, as one JSON line. */
const STATUS_SCRIPT = `import { status, ConfigError, ExitCode, type ClusterStatus, type HostStatus, type StatusResult } from 'm1';

const dir = process.argv[2];
if (!dir) throw new Error('usage: node status.js <cluster-dir>');
const result: StatusResult = await status(dir);
const s: ClusterStatus = result.status;
const role = (h: HostStatus): string => \`\${h.host}:\${h.live ?? 'no postgres'}\`;
let missing: number | undefined;
try {
  await status(\`\${dir}/no-such-cluster\`);
} catch (e) {
  if (!(e instanceof ConfigError)) throw e;
  missing = e.exitCode;
}
process.stdout.write(JSON.stringify({
  cluster: s.cluster,
  manager: s.fm.manager,
  primary: s.primary ?? null,
  healthy: s.healthy,
  problems: s.problems,
  hosts: s.hosts.map(role),
  readMs: result.gatheredMs,
  missing,
  badInput: ExitCode.BadInput,
}) + '\\n');
`;

describe('the m1 package, installed from its tarball outside the repository', () => {
  let outside: OutsideProject;
  beforeAll(async () => {
    outside = await installPackedM1();
  }, 1_200_000);
  afterAll(async () => {
    await outside?.remove();
  });

  it('a script importing m1 type-checks against the installed declarations; a wrong type in it does not', async () => {
    const checked = await outside.typecheck('status', STATUS_SCRIPT);
    expect(checked.code, checked.out + checked.err).toBe(0);
    const wrong = await outside.typecheck('wrong', `import { status } from 'm1';\nconst primary: number = (await status('x')).status.cluster;\nconsole.log(primary);\n`);
    expect(wrong.code).not.toBe(0);
    expect(wrong.out).toMatch(/wrong\.ts\(2,7\): error TS2322: Type 'string' is not assignable to type 'number'/);
  }, 600_000);

  it("the script reads this cluster's status as an object (the live primary, healthy) and the library prints nothing", async () => {
    const dataNodes = tc.cluster.instances.filter((i) => hasRole(i, 'primary') || hasRole(i, 'replica')).map((i) => i.name);
    const inRecovery = async (host: string) => (await on(host, `cd / && runuser -u postgres -- psql -XAtc 'select pg_is_in_recovery()'`)).trim();
    const livePrimary = (await Promise.all(dataNodes.map(async (h) => [h, await inRecovery(h)] as const))).filter(([, r]) => r === 'f').map(([h]) => h);
    expect(livePrimary).toHaveLength(1);

    const r = await outside.run('status', [tc.dir]);
    expect(r.code, r.out + r.err).toBe(0);
    expect(r.err).toBe('');
    expect(r.out.split('\n')).toHaveLength(2); // one line, then the end: nothing printed but the script's own output
    const seen = JSON.parse(r.out) as { cluster: string; manager: string; primary: string | null; healthy: boolean; problems: string[]; hosts: string[]; readMs: number; missing: number; badInput: number };
    expect(seen).toMatchObject({ cluster: tc.cluster.name, manager: 'repmgr', primary: livePrimary[0], missing: 2, badInput: 2 });
    expect(seen.healthy, seen.problems.join('; ')).toBe(true);
    expect(seen.hosts).toContain(`${livePrimary[0]}:primary`);
    expect(seen.hosts).toContain(`${dataNodes.find((h) => h !== livePrimary[0])}:replica`);
    expect(seen.hosts.map((h) => h.split(':')[0]).sort()).toEqual(tc.cluster.instances.map((i) => i.name).sort());
    expect(seen.readMs).toBeGreaterThan(0);
  }, 600_000);
});
