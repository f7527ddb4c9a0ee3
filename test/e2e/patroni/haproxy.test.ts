/**
 * `m1 configure --failover-manager patroni --enable-haproxy
 * --num-cascaded-replicas 1` (primary, replica, a replica cascaded from it
 * (replicatefrom), Barman, three etcd members, two HAProxy nodes; docker), deployed
 * by `m1 deploy` with real etcd, Patroni and HAProxy,
 * one cluster for every scenario, in order:
 * 1. Patroni shows a leader and a streaming replica, etcd is healthy on every
 *    member, writes through each HAProxy (5432) land on the leader and reads
 *    (5433) on a replica, `barman check` is all OK, a second deploy changes nothing;
 * 2. after `patronictl switchover`, both HAProxy write frontends reach the
 *    new leader within 15 s, and a redeploy keeps it, changing nothing on the
 *    data nodes;
 * 3. a reload-only and a restart-only setting in config.yml go through
 *    Patroni: the first without a restart, the second restarting the replica
 *    before the leader;
 * 4. etcd answers clients and peers over TLS only, and clients only with a
 *    user: plain HTTP, TLS without a password or a certificate-less peer get
 *    nothing; Patroni's REST API speaks TLS and refuses every state-changing
 *    request without its password; rotating etcd's patroni password reloads
 *    Patroni and prints neither password;
 * 5. changed etcd settings restart the members one at a time, the cluster
 *    healthy before and after each, Patroni's leader untouched;
 * 6. m1 upgrade (issue 13): deployed at bookworm main's 15.18-0+deb12u1
 *    (postgres_package_version), then 15.20-0+deb12u1 (bookworm-security)
 *    set and m1 upgrade run while a client writes through an HAProxy's write
 *    port: each replica restarted through Patroni, a switchover, the old
 *    leader; every member runs 150020, no acknowledged row lost, refusals
 *    only inside the switchover, m1 test passes, a second upgrade and the
 *    next deploy change nothing;
 * 7. m1 remove-node refuses the leader, an etcd member and Barman; it takes
 *    the cascaded replica's upstream out: the cascaded replica streams from
 *    the leader, patronictl no longer lists the node, its slot is gone,
 *    HAProxy writes and reads go around it, the next deploy changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DCS_TIMING } from '../../../src/products/patroni/dynamicConfig.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { barmanServerName } from '../../../src/products/barman/serverName.js';
import { etcdMembers } from '../../../src/products/etcd/members.js';
import { CA_CERT_PATH } from '../../../src/products/postgres/certificates.js';
import { patroniMembers, patroniSlotName } from '../../../src/products/patroni/members.js';
import { patroniConfigPath, patroniDcsPrefix, patroniServiceName } from '../../../src/products/patroni/settings.js';
import { rotatePassword } from '../../../playbooks/operate/rotatePassword.js';
import type { DeployOutcome } from '../../../playbooks/deploy/deploy.js';
import { hasRole } from '../../../src/inventory/cluster.js';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { IMAGE, deployLogged, addressOf, etcdLogin, etcdRange, httpFromOutside, storedPassword, etcdHealth, landsOn, likeFreshHosts, localSql, on, patronictlList, setClusterVar, switchover, within, writeQuery } from './support.js';
import { e2eClusterName } from '../../support/testCluster.js';
import { clientPsql, SESSION_QUERY } from '../support/verifiedClient.js';
import { m1, recapOf } from '../support/m1.js';
import { Writer } from '../../../playbooks/bench/writer.js';
import { upgradeWhileWriting } from '../support/upgradeWhileWriting.js';
import { tlsDir } from '../../../src/secrets/clusterCa.js';

const NAME = e2eClusterName('m1e2ep-haproxy');
const OLD_MINOR = '15.18-0+deb12u1';
const NEW_MINOR = '15.20-0+deb12u1';
let tc: ProvisionedTestCluster;
let data: string[];
let haproxies: string[];
let barmanHost: string;
const log: string[] = [];

const deploy = (): Promise<DeployOutcome> => deployLogged(tc, log);

function changedOn(outcome: DeployOutcome, hosts: readonly string[]): Record<string, number> {
  return Object.fromEntries(hosts.map((h) => [h, outcome.result.recap[h]?.changed ?? -1]));
}

const zeroOn = (hosts: readonly string[]) => Object.fromEntries(hosts.map((h) => [h, 0]));

/** Each data node's postmaster start time. */
async function postmasterStarts(): Promise<string[]> {
  return Promise.all(data.map((d) => localSql(tc, d, `SELECT pg_postmaster_start_time()`)));
}

let beforeFirst: { leader: string; started: string[] } | undefined;

async function leader(): Promise<string> {
  const s = await patronictlList(tc, data[0]!);
  if (!s.leader) throw new Error(`no leader: ${JSON.stringify(s.members)}`);
  return s.leader;
}

beforeAll(async () => {
  const reuse = Boolean(process.env.M1E2EP_REUSE);
  // One cascaded replica (under the replica: Patroni's replicatefrom tag), for m1 remove-node at the end.
  tc = await provisionConfiguredCluster({ name: NAME, configure: { failoverManager: 'patroni', enableHaproxy: true, postgresql: '15', numCascadedReplicas: '1' }, image: IMAGE, fresh: !reuse });
  data = patroniMembers(tc.cluster).map((m) => m.name);
  haproxies = tc.cluster.instances.filter((i) => hasRole(i, 'haproxy')).map((i) => i.name);
  barmanHost = tc.cluster.instances.find((i) => hasRole(i, 'barman'))!.name;
  if (!reuse) await likeFreshHosts(tc);
  // Deployed at bookworm main's minor (the image has it installed); the upgrade scenario goes to bookworm-security's.
  await setClusterVar(tc, ['postgres_package_version'], OLD_MINOR);
  // A cluster left by an earlier run (M1E2EP_REUSE), e.g. one an earlier m1 deployed with etcd
  // on plain HTTP: what ran before this deploy, to tell that it restarted no Postgres.
  if (reuse) beforeFirst = { leader: await leader(), started: await postmasterStarts() };
  const first = await deploy();
  console.log(`first deploy by stage: ${first.timings.stages.map((s) => `${s.name} ${s.wallMs} ms`).join(', ')}`);
  console.log(`first deploy: ${first.timings.runMs} ms run, changed ${JSON.stringify(changedOn(first, tc.cluster.instances.map((i) => i.name)))}`);
}, 1_200_000);

afterAll(async () => {
  if (!process.env.M1E2EP_KEEP) await tc?.teardown();
});

describe('Patroni + HAProxy: first deploy', () => {
  it.runIf(Boolean(process.env.M1E2EP_REUSE))('a reused cluster (M1E2EP_REUSE): the deploy restarted no Postgres and kept the leader', async () => {
    expect(beforeFirst).toBeDefined();
    expect(await leader()).toBe(beforeFirst!.leader);
    expect(await postmasterStarts()).toEqual(beforeFirst!.started);
    const paused = await tc.ssh(beforeFirst!.leader, 'test -e /var/lib/m1/patroni/paused-by-deploy');
    expect(paused.code, 'the pause marker is gone').not.toBe(0);
    const cluster = await httpFromOutside(tc, `https://${addressOf(tc, beforeFirst!.leader)}:8008/cluster`);
    expect(cluster.status, cluster.body).toBe(200);
    expect((JSON.parse(cluster.body) as { pause?: boolean }).pause ?? false, 'Patroni resumed').toBe(false);
  });

  it('patronictl list shows a leader, a replica streaming from it and a replica cascaded from that one', async () => {
    const status = await patronictlList(tc, data[1]!);
    const primary = tc.cluster.instances.find((i) => hasRole(i, 'primary'))!.name;
    expect(status.leader).toBe(primary);
    const replicas = status.members.filter((m) => m.role === 'replica');
    // patronictl orders members by name, data by node number: compared as sets.
    expect(replicas.map((m) => [m.name, m.state]).sort()).toEqual(data.filter((d) => d !== primary).map((d) => [d, 'running']).sort());
    // Barman streams too (application_name barman_streaming): only the members count here.
    const streaming = async (host: string) => (await localSql(tc, host, `SELECT application_name || '|' || state FROM pg_stat_replication ORDER BY 1`)).split('\n').filter((l) => data.includes(l.split('|')[0]!));
    expect(await streaming(primary)).toEqual([`${data[1]}|streaming`]);
    expect(tc.cluster.instances.find((i) => i.name === data[2])!.upstream).toBe(data[1]);
    expect(await streaming(data[1]!)).toEqual([`${data[2]}|streaming`]);
  });

  it('etcd is healthy on all three members over TLS, asked from each', async () => {
    const members = etcdMembers(tc.cluster);
    expect(members).toHaveLength(3);
    for (const m of members) {
      const health = await etcdHealth(tc, m.name);
      expect(health.map((h) => [h.member, h.healthy]).sort()).toEqual(members.map((x) => [x.name, true]).sort());
    }
  });

  it('a write through each HAProxy (5432) lands on the leader; a read through 5433 on a replica', async () => {
    const l = await leader();
    const run = `run ${Date.now()}`;
    for (const hp of haproxies) {
      const landed = await landsOn(tc, addressOf(tc, hp), 5432, writeQuery(`${hp}:5432 ${run}`));
      expect(landed, `write through ${hp}:5432`).toEqual({ server: addressOf(tc, l), inRecovery: false });
      const read = await landsOn(tc, addressOf(tc, hp), 5433);
      expect(read?.inRecovery, `read through ${hp}:5433`).toBe(true);
      expect(data.filter((d) => d !== l).map((d) => addressOf(tc, d))).toContain(read?.server);
    }
    expect(await localSql(tc, l, `SELECT count(*) FROM m1e2ep_writes WHERE via LIKE '%:5432 ${run}'`, 'app')).toBe(String(haproxies.length));
  });

  it('through each HAProxy (5432, 5433) and to each data node, sslmode=verify-full against the cluster CA holds under the name the client used', async () => {
    const password = await storedPassword(tc, 'app');
    const l = await leader();
    for (const hp of haproxies) {
      // HAProxy passes TLS through: the data node's certificate names the HAProxy hosts
      const write = await clientPsql(tc.dir, { name: hp, address: addressOf(tc, hp), port: 5432, user: 'app', password }, SESSION_QUERY);
      expect(write.code, `${hp}:5432: ${write.err}`).toBe(0);
      expect(write.out).toBe(`t|${addressOf(tc, l)}`);
      const read = await clientPsql(tc.dir, { name: hp, address: addressOf(tc, hp), port: 5433, user: 'app', password }, SESSION_QUERY);
      expect(read.code, `${hp}:5433: ${read.err}`).toBe(0);
    }
    for (const d of data) {
      const r = await clientPsql(tc.dir, { name: d, address: addressOf(tc, d), port: 5432, user: 'app', password }, SESSION_QUERY);
      expect(r.code, `${d}: ${r.err}`).toBe(0);
    }
    // a name the certificates lack (Barman's host) is refused
    const wrong = await clientPsql(tc.dir, { name: barmanHost, address: addressOf(tc, haproxies[0]!), port: 5432, user: 'app', password }, 'SELECT 1');
    expect(wrong.code).not.toBe(0);
    expect(wrong.err).toMatch(/does not match host name/);
  });

  it('through each HAProxy (5432, 5433) and to each data node, postgres and replication are refused with their own passwords; app gets in', async () => {
    const secrets = { postgres: await storedPassword(tc, 'postgres'), replication: await storedPassword(tc, 'replication'), app: await storedPassword(tc, 'app') };
    const targets = [...haproxies.flatMap((hp) => [5432, 5433].map((port) => ({ host: hp, port }))), ...data.map((d) => ({ host: d, port: 5432 }))];
    for (const t of targets) {
      for (const user of ['postgres', 'replication'] as const) {
        const r = await clientPsql(tc.dir, { name: t.host, address: addressOf(tc, t.host), port: t.port, user, dbname: 'postgres', password: secrets[user] }, 'SELECT 1');
        expect(r.code, `${user} through ${t.host}:${t.port}`).not.toBe(0);
        expect(r.err, `${user} through ${t.host}:${t.port}`).toMatch(/pg_hba.conf rejects connection/);
      }
      const app = await clientPsql(tc.dir, { name: t.host, address: addressOf(tc, t.host), port: t.port, user: 'app', password: secrets.app }, 'SELECT current_user');
      expect(app.out, `app through ${t.host}:${t.port}: ${app.err}`).toBe('app');
    }
  });

  it("Patroni's REST API speaks TLS under the cluster CA only, and refuses every state-changing request without its password", async () => {
    const password = await storedPassword(tc, 'patroni');
    const port = 8008;
    for (const d of data) {
      const base = `https://${addressOf(tc, d)}:${port}`;
      const self = await httpFromOutside(tc, `${base}/patroni`);
      expect(self.status, `${d}: ${self.error ?? self.body}`).toBe(200);
      expect(JSON.parse(self.body).state).toBe('running');
      const plain = await httpFromOutside(tc, `http://${addressOf(tc, d)}:${port}/patroni`);
      expect(plain.status, `${d} over plain HTTP`).toBe(0);
      const started = await localSql(tc, d, 'SELECT pg_postmaster_start_time()');
      for (const [method, path, body] of [
        ['POST', '/restart', '{}'],
        ['PATCH', '/config', '{"ttl": 31}'],
        ['POST', '/reload', undefined],
        ['POST', '/switchover', JSON.stringify({ leader: d, candidate: data.find((x) => x !== d) })],
        ['POST', '/reinitialize', '{}'],
      ] as const) {
        for (const auth of [undefined, { user: 'patroni', password: 'not-the-password' }]) {
          const r = await httpFromOutside(tc, `${base}${path}`, { method, ...(body !== undefined ? { body } : {}), ...(auth ? { auth } : {}) });
          expect(r.status, `${method} ${path} on ${d} ${auth ? 'with a wrong password' : 'without a password'}`).toBe(401);
        }
      }
      expect(await localSql(tc, d, 'SELECT pg_postmaster_start_time()')).toBe(started);
      // The password opens it (a reload changes nothing).
      const ok = await httpFromOutside(tc, `${base}/reload`, { method: 'POST', auth: { user: 'patroni', password } });
      expect(ok.status, ok.body).toBe(202);
    }
    const config = await httpFromOutside(tc, `https://${addressOf(tc, data[0]!)}:${port}/config`);
    expect(JSON.parse(config.body).ttl).toBe(DCS_TIMING.ttl);
  });

  it('barman check is all OK', async () => {
    const out = await on(tc, barmanHost, `runuser -u barman -- barman check ${barmanServerName(tc.cluster)}`);
    expect(out).not.toMatch(/FAILED/);
    expect(out).toMatch(/receive-wal running: OK/);
  });

  it('a second deploy changes nothing', async () => {
    const t0 = Date.now();
    const again = await deploy();
    console.log(`no-op redeploy: ${Date.now() - t0} ms wall, run ${again.timings.runMs} ms`);
    const all = tc.cluster.instances.map((i) => i.name);
    expect(changedOn(again, all)).toEqual(zeroOn(all));
  });
});

describe('etcd: TLS and authentication', () => {
  it('from the test machine: plain HTTP gets no answer, TLS without the password is refused, TLS with the cluster CA and the patroni password reads the leader key and nothing else', async () => {
    const prefix = patroniDcsPrefix(tc.cluster);
    const password = await storedPassword(tc, 'etcd_patroni');
    const l = await leader();
    for (const m of etcdMembers(tc.cluster)) {
      const address = addressOf(tc, m.name);
      const base = `https://${address}:2379`;
      const plain = await etcdRange(tc, `http://${address}:2379`, `${prefix}leader`);
      expect(plain.status, `${m.name} over plain HTTP: ${plain.body}`).toBe(0);
      const anonymous = await etcdRange(tc, base, `${prefix}leader`);
      expect(anonymous.status, `${m.name} over TLS without a user`).not.toBe(200);
      expect(anonymous.body).toMatch(/user name is empty/);
      expect(await etcdLogin(tc, base, 'patroni', 'not-the-password')).toBeUndefined();
      expect(await etcdLogin(tc, base, 'root', password)).toBeUndefined();
      const token = await etcdLogin(tc, base, 'patroni', password);
      expect(token, `${m.name}: patroni's login`).toBeDefined();
      const read = await etcdRange(tc, base, `${prefix}leader`, token);
      expect(read.status, read.body).toBe(200);
      const kvs = (JSON.parse(read.body) as { kvs?: Array<{ value: string }> }).kvs ?? [];
      expect(kvs.map((kv) => Buffer.from(kv.value, 'base64').toString())).toEqual([l]);
      const everything = await etcdRange(tc, base, '/', token, true);
      expect(everything.status, `${m.name}: patroni reads outside ${prefix}`).not.toBe(200);
      expect(everything.body).toMatch(/permission denied/);
      // Peers: plain HTTP gets no answer, TLS without a certificate signed by the cluster CA neither.
      expect((await httpFromOutside(tc, `http://${address}:2380/members`)).status).toBe(0);
      expect((await httpFromOutside(tc, `https://${address}:2380/members`)).status).toBe(0);
    }
  });

  it('etcdctl on a member: a write without a user over TLS is refused, so is one over plain HTTP, and patroni may not write outside its keys; nothing was written', async () => {
    const m = etcdMembers(tc.cluster)[0]!;
    const key = '/m1e2e-anonymous';
    const etcdctl = (url: string, ...args: string[]) =>
      `ETCDCTL_API=3 etcdctl --endpoints=${url} --cacert=${CA_CERT_PATH} --dial-timeout=3s --command-timeout=5s ${args.join(' ')} 2>&1`;
    const anonymous = await tc.ssh(m.name, etcdctl(m.clientUrl, 'put', key, 'y'));
    expect(anonymous.code, anonymous.stdout).not.toBe(0);
    expect(anonymous.stdout).toMatch(/user name is empty/);
    const plain = await tc.ssh(m.name, etcdctl(m.clientUrl.replace('https://', 'http://'), 'put', key, 'y'));
    expect(plain.code, plain.stdout).not.toBe(0);
    // The patroni user, password on stdin, never in argv.
    const asPatroni = await tc.ssh(
      m.name,
      `IFS= read -r P; ETCDCTL_USER=patroni ETCDCTL_PASSWORD="$P" ${etcdctl(m.clientUrl, 'put', key, 'y')}`,
      `${await storedPassword(tc, 'etcd_patroni')}\n`,
    );
    expect(asPatroni.code, asPatroni.stdout).not.toBe(0);
    expect(asPatroni.stdout).toMatch(/permission denied/);
    const read = await tc.ssh(m.name, `IFS= read -r P; ETCDCTL_USER=root ETCDCTL_PASSWORD="$P" ${etcdctl(m.clientUrl, 'get', key, '--print-value-only')}`, `${await storedPassword(tc, 'etcd_root')}\n`);
    expect(read.code, read.stdout).toBe(0);
    expect(read.stdout.trim()).toBe('');
  });
});

describe('Patroni + HAProxy: switchover', () => {
  it('both HAProxy write frontends reach the new leader within 15 s; a redeploy keeps it and changes nothing on the data nodes', async () => {
    const old = await leader();
    const target = data.find((d) => d !== old)!;
    const t0 = Date.now();
    await switchover(tc, old, target);
    const switched = Date.now() - t0;
    const reached = await Promise.all(
      haproxies.map((hp) =>
        within(async () => (await landsOn(tc, addressOf(tc, hp), 5432, writeQuery(`${hp}:5432 after switchover`)))?.server === addressOf(tc, target), 30_000),
      ),
    );
    console.log(`switchover ${old} -> ${target}: patronictl ${switched} ms; writes through ${haproxies.join(', ')} on the new leader after ${reached.map((r) => (r === undefined ? 'never' : `${r + switched} ms`)).join(', ')} from the start`);
    for (const r of reached) {
      expect(r).toBeDefined();
      expect(r! + switched).toBeLessThanOrEqual(15_000);
    }
    const again = await deploy();
    expect(await leader()).toBe(target);
    expect(changedOn(again, data)).toEqual(zeroOn(data));
  });
});

describe('Patroni + HAProxy: settings through Patroni', () => {
  const state = async (host: string, setting: string) => {
    const [start, value] = (await localSql(tc, host, `SELECT extract(epoch FROM pg_postmaster_start_time()) || '|' || current_setting('${setting}')`)).split('|');
    return { start: Number(start), value };
  };

  it('a reload-only setting is applied without a restart', async () => {
    const before = await Promise.all(data.map((h) => state(h, 'work_mem')));
    expect(before.every((b) => b.value !== '24MB')).toBe(true);
    await setClusterVar(tc, ['postgres_conf_settings', 'work_mem'], '24MB');
    await deploy();
    // Patroni applies a DCS change on each member within loop_wait (10 s).
    const applied = await within(async () => (await Promise.all(data.map((h) => state(h, 'work_mem')))).every((s) => s.value === '24MB'), 20_000);
    expect(applied).toBeDefined();
    const after = await Promise.all(data.map((h) => state(h, 'work_mem')));
    expect(after.map((a) => a.start)).toEqual(before.map((b) => b.start));
  });

  it('a restart-only setting restarts the replicas before the leader, through Patroni', async () => {
    const l = await leader();
    const replicas = data.filter((d) => d !== l);
    const before = { leader: await state(l, 'shared_buffers'), replicas: await Promise.all(replicas.map((r) => state(r, 'shared_buffers'))) };
    expect(before.leader.value).not.toBe('160MB');
    await setClusterVar(tc, ['postgres_conf_settings', 'shared_buffers'], '160MB');
    const outcome = await deploy();
    const after = { leader: await state(l, 'shared_buffers'), replicas: await Promise.all(replicas.map((r) => state(r, 'shared_buffers'))) };
    expect([after.leader.value, ...after.replicas.map((r) => r.value)]).toEqual(data.map(() => '160MB'));
    expect(after.leader.start).toBeGreaterThan(before.leader.start);
    after.replicas.forEach((r, k) => {
      expect(r.start).toBeGreaterThan(before.replicas[k]!.start);
      expect(r.start).toBeLessThan(after.leader.start);
    });
    // Restarted by Patroni (REST), never by the postgres unit, which stays disabled and inactive.
    const restarts = outcome.result.results.filter((r) => r.status === 'changed' && /restart Postgres on .* through Patroni/.test(r.task)).map((r) => r.task);
    const order = restarts.map((t) => t.replace(/^restart Postgres on (\S+).*$/, '$1'));
    expect(order.at(-1)).toBe(l);
    expect(order.slice(0, -1).sort()).toEqual([...replicas].sort());
    for (const h of data) expect((await tc.ssh(h, 'systemctl is-active postgres; systemctl is-enabled postgres')).stdout.split('\n').slice(0, 2)).toEqual(['inactive', 'disabled']);
    expect(await leader()).toBe(l);
  });
});

describe('etcd: rotating the patroni password', () => {
  it("m1 rotate-password etcd_patroni with --diff: Patroni reloads (no restart), etcd takes the new password and refuses the old; neither is printed, the file's diff is hidden; the leader stays; the next deploy changes nothing", async () => {
    const before = await storedPassword(tc, 'etcd_patroni');
    const l = await leader();
    // rotate-password refuses a cluster that is not healthy: after the previous test restarted the leader, the replica's WAL receiver reconnects first.
    const streaming = await within(
      async () => (await Promise.all(data.filter((d) => d !== l).map((d) => localSql(tc, d, 'SELECT status FROM pg_stat_wal_receiver').catch(() => '')))).every((s) => s === 'streaming'),
      60_000,
    );
    expect(streaming, 'every replica streams again').toBeDefined();
    const started = async () => Promise.all(data.map(async (d) => (await on(tc, d, `systemctl show -p ExecMainStartTimestampMonotonic --value ${patroniServiceName(tc.cluster)}`)).trim()));
    const startedBefore = await started();
    const out: string[] = [];
    const outcome = await rotatePassword(tc.dir, 'etcd_patroni', { diff: true, write: (t) => void out.push(t), tty: false });
    const text = out.join('');
    expect(outcome.exitCode, text.slice(-3000)).toBe(0);
    const after = await storedPassword(tc, 'etcd_patroni');
    expect(after).not.toBe(before);
    expect(text).not.toContain(before);
    expect(text).not.toContain(after);
    const path = patroniConfigPath(tc.cluster).replaceAll('.', '\\.');
    for (const d of data) expect(text).toMatch(new RegExp(`changed +${d} patroni › file ${path}\\n +--- ${path}\\n +\\+\\+\\+ ${path}\\n +\\(content hidden: sensitive\\)\\n`));
    const base = `https://${addressOf(tc, etcdMembers(tc.cluster)[0]!.name)}:2379`;
    expect(await etcdLogin(tc, base, 'patroni', before)).toBeUndefined();
    expect(await etcdLogin(tc, base, 'patroni', after)).toBeDefined();
    expect(await started()).toEqual(startedBefore);
    expect(await leader()).toBe(l);
    // Patroni keeps writing its keys with the new password: every member refreshes its own within loop_wait.
    const fresh = await within(async () => (await patronictlList(tc, data[0]!)).members.every((m) => m.state === 'running' || m.state === 'streaming'), 30_000);
    expect(fresh).toBeDefined();
    const again = await deploy();
    const all = tc.cluster.instances.map((i) => i.name);
    expect(changedOn(again, all)).toEqual(zeroOn(all));
    await expect(rotatePassword(tc.dir, 'etcd_root')).rejects.toThrow(/etcd's root password is not rotated by m1/);
  });
});

describe('etcd: changed settings', () => {
  it('restart the members one at a time, healthy before and after each; the leader stays', async () => {
    const members = etcdMembers(tc.cluster).map((m) => m.name);
    const started = async () => Promise.all(members.map(async (m) => (await on(tc, m, 'systemctl show -p ExecMainStartTimestampMonotonic --value etcd')).trim()));
    const before = await started();
    const l = await leader();
    await setClusterVar(tc, ['etcd_election_timeout'], 3000);
    const outcome = await deploy();
    const after = await started();
    members.forEach((m, n) => expect(after[n], `${m} restarted`).not.toBe(before[n]));
    // In the run's order: per member, the health check, the file, the restart, the health check again.
    const steps = outcome.result.results
      .filter((r) => r.stage === 'etcd settings' && r.status !== 'skipped')
      .map((r) => `${r.host} ${/healthy before/.test(r.task) ? 'healthy' : /back in a healthy/.test(r.task) ? 'rejoined' : /restart/.test(r.task) ? 'restart' : 'file'}`);
    expect(steps).toEqual(members.flatMap((m) => [`${m} healthy`, `${m} file`, `${m} restart`, `${m} rejoined`]));
    for (const m of members) expect((await etcdHealth(tc, m)).every((h) => h.healthy)).toBe(true);
    expect(await leader()).toBe(l);
    expect(changedOn(outcome, data)).toEqual(zeroOn(data));
    const env = await on(tc, members[0]!, 'cat /etc/default/etcd');
    expect(env).toMatch(/^ETCD_ELECTION_TIMEOUT="3000"$/m);
  });
});

describe('m1 upgrade (issue 13)', () => {
  it('a rolling minor upgrade 15.18 -> 15.20 through Patroni under a writer through HAProxy loses nothing, refuses writes only inside the switchover; m1 test passes; a rerun and the next deploy change nothing', async () => {
    const versionNums = async () => Object.fromEntries(await Promise.all(data.map(async (h) => [h, await localSql(tc, h, 'SHOW server_version_num')] as const)));
    expect(new Set(Object.values(await versionNums()))).toEqual(new Set(['150018']));
    await setClusterVar(tc, ['postgres_package_version'], NEW_MINOR);
    const l = await leader();
    await localSql(tc, l, 'CREATE TABLE IF NOT EXISTS m1e2ep_upgrade (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now()); ALTER TABLE m1e2ep_upgrade OWNER TO app', 'app');
    const entry = haproxies[0]!;
    const writer = new Writer({ host: addressOf(tc, entry), port: 5432, user: 'app', database: 'app', password: await storedPassword(tc, 'app'), table: 'm1e2ep_upgrade', caFile: join(tlsDir(tc.dir), 'ca.crt') }).start();
    const { up, out } = await upgradeWhileWriting(tc.dir, writer, {
      label: `${OLD_MINOR} -> ${NEW_MINOR} (Patroni)`,
      through: `${entry}:5432`,
      idsOn: async (host) => new Set((await localSql(tc, host, 'SELECT id FROM m1e2ep_upgrade', 'app')).split('\n').filter(Boolean).map(Number)),
    });
    const sw = out.switchovers;
    expect(sw.map((s) => s.from)).toEqual([l]);
    expect(new Set(Object.values(await versionNums()))).toEqual(new Set(['150020']));
    for (const h of data) expect(out.versions.find((v) => v.host === h)).toMatchObject({ before: 150018, after: 150020, packageBefore: OLD_MINOR, packageAfter: NEW_MINOR });
    // Patroni restarts its members itself: failover is not paused (roles/patroni/upgrade.ts).
    expect(up.err).not.toMatch(/PAUSED/);
    expect((await patronictlList(tc, sw[0]!.to)).leader).toBe(sw[0]!.to);

    const t = await m1('test', tc.dir);
    expect(t.code, t.out).toBe(0);
    const again = await m1('upgrade', tc.dir);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain(`every host runs ${NEW_MINOR}: nothing to do`);
    const redeploy = await deploy();
    const all = tc.cluster.instances.map((i) => i.name);
    expect(changedOn(redeploy, all)).toEqual(zeroOn(all));
  });
});

describe('m1 remove-node', () => {
  const slotsOn = async (host: string) => (await localSql(tc, host, 'SELECT slot_name FROM pg_replication_slots ORDER BY 1')).split('\n').filter(Boolean);
  const receiver = async (host: string) => localSql(tc, host, `SELECT status || '|' || coalesce(sender_host, '') FROM pg_stat_wal_receiver`).catch(() => '');

  it('refuses the leader, an etcd member that would leave 2 and the Barman host (exit 3), and changes nothing', async () => {
    const t0 = Date.now();
    const l = await leader();
    const r = await m1('remove-node', tc.dir, l);
    expect(r.code, r.out + r.err).toBe(3);
    // Worded as the live leader is config.yml's primary or not (m1 upgrade leaves config.yml's primary leading).
    expect(r.err).toMatch(new RegExp(`${l}( is)? the primary( \\(role primary\\))?: switch over to one of its replicas first`));
    const e = await m1('remove-node', tc.dir, etcdMembers(tc.cluster)[0]!.name);
    expect(e.code, e.out + e.err).toBe(3);
    expect(e.err).toMatch(/is an etcd member: without it 2 voters would be left/);
    const b = await m1('remove-node', tc.dir, barmanHost);
    expect(b.code, b.out + b.err).toBe(3);
    await expect(readFile(join(tc.dir, 'removed.json'), 'utf8')).rejects.toThrow();
    expect((await patronictlList(tc, l)).members.map((m) => m.name).sort()).toEqual([...data].sort());
    console.log(`remove-node refusals: ${(Date.now() - t0) / 1000} s`);
  });

  it("the cascaded replica's upstream removed: the cascaded replica streams from the leader, patronictl no longer lists the node, its slot is gone (DCS too), HAProxy routes writes and reads without it, Barman and m1 status healthy; a rerun and the next deploy change nothing besides the warning", async () => {
    const t0 = Date.now();
    const [first, upstream, cascaded] = data as [string, string, string];
    // The switchover above made the cascaded replica's upstream the leader: back to config.yml's primary first.
    const l = await leader();
    if (l !== first) await switchover(tc, l, first);
    const settled = await within(async () => (await leader()) === first && (await receiver(upstream)).startsWith('streaming|') && (await receiver(cascaded)) === `streaming|${addressOf(tc, upstream)}`, 120_000, 1000);
    expect(settled, `${cascaded} streams from ${upstream} under the leader ${first}`).toBeDefined();
    const prepared = Date.now() - t0;

    const r0 = Date.now();
    const r = await m1('remove-node', tc.dir, upstream);
    const removeS = (Date.now() - r0) / 1000;
    console.log(`m1 remove-node ${upstream}: ${removeS} s in all (switchover back first: ${prepared / 1000} s)\n${r.out.split('\n').filter((x) => /^\S|^  \S/.test(x) && !/^\s*(ok|changed)\s/.test(x)).join('\n')}`);
    expect(r.code, r.out.slice(-3000) + r.err).toBe(0);
    expect(r.out).toContain(`${cascaded} follows ${first} instead of ${upstream}`);
    expect(r.out).toContain(`container ${upstream} removed`);

    const members = (await patronictlList(tc, first)).members;
    expect(members.map((m) => [m.name, m.role]).sort()).toEqual([[cascaded, 'replica'], [first, 'leader']].sort());
    expect(await receiver(cascaded)).toBe(`streaming|${addressOf(tc, first)}`);
    const slot = patroniSlotName(upstream);
    expect(await slotsOn(first)).not.toContain(slot);
    expect(await slotsOn(first)).toContain(patroniSlotName(cascaded));
    const config = JSON.parse((await httpFromOutside(tc, `https://${addressOf(tc, first)}:8008/config`)).body) as { slots?: Record<string, unknown> };
    expect(Object.keys(config.slots ?? {}).sort()).toEqual([patroniSlotName(first), patroniSlotName(cascaded)].sort());

    // HAProxy: the deploy that ends remove-node rewrote each config without the node.
    const run = `after remove-node ${Date.now()}`;
    for (const hp of haproxies) {
      const cfg = await on(tc, hp, 'cat /etc/haproxy/haproxy.cfg');
      expect(cfg).not.toMatch(new RegExp(`server ${upstream} `));
      expect(cfg).toMatch(new RegExp(`server ${cascaded} `));
      expect(await landsOn(tc, addressOf(tc, hp), 5432, writeQuery(`${hp}:5432 ${run}`)), `write through ${hp}`).toEqual({ server: addressOf(tc, first), inRecovery: false });
      expect(await landsOn(tc, addressOf(tc, hp), 5433), `read through ${hp}`).toEqual({ server: addressOf(tc, cascaded), inRecovery: true });
    }
    const barman = await on(tc, barmanHost, `runuser -u barman -- barman check ${barmanServerName(tc.cluster)}`);
    expect(barman).not.toMatch(/FAILED/);
    const status = await m1('status', tc.dir);
    expect(status.code, status.out + status.err).toBe(0);

    const again = await m1('remove-node', tc.dir, upstream);
    expect(again.code, again.out + again.err).toBe(0);
    expect(again.out).toContain(`${upstream} was removed on `);
    const d0 = Date.now();
    const d = await m1('deploy', tc.dir);
    expect(d.code, d.out.slice(-3000) + d.err).toBe(0);
    expect(d.out + d.err).toContain(`warning: ${upstream} was removed by m1 remove-node on `);
    const recap = recapOf(d.out);
    expect(Object.keys(recap).sort()).toEqual(tc.cluster.instances.map((i) => i.name).filter((n) => n !== upstream).sort());
    for (const [h, c] of Object.entries(recap)) expect(c.changed, `changed on ${h}`).toBe(0);
    console.log(`remove-node scenario: ${(Date.now() - t0) / 1000} s (remove-node ${removeS} s, the next deploy ${(Date.now() - d0) / 1000} s)`);
  });
});
