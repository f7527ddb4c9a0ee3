/**
 * Debian 13 (trixie) as the host release with Patroni: PostgreSQL 17,
 * Patroni 4.0.7, etcd 3.5.16, HAProxy 3.0, PgBouncer 1.24, Barman 3.13 from
 * Debian's archive (the image m1/debian-packages:trixie has them
 * preinstalled). `m1 configure --os-version 13` (PostgreSQL 17 by default
 * there), made small: etcd on the two data nodes and the Barman host, one
 * HAProxy, and PgBouncer on the data nodes too (4 containers). Deploys (exit
 * 0, no password in the output), passes m1 test (through HAProxy and every
 * PgBouncer), switches over to the replica (Patroni 4's on_role_change passes
 * role `primary`: every PgBouncer follows), and a redeploy then changes
 * nothing on any host. Skipped unless the
 * image is on the engine (CI does not build it): `bash
 * docker/build-test-image.sh trixie` first (about 3.5 minutes).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDocument, type YAMLMap, type YAMLSeq } from 'yaml';
import { hasRole } from '../../../src/inventory/cluster.js';
import { patroniMembers } from '../../../src/products/patroni/members.js';
import { provisionConfiguredCluster, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { e2eClusterName } from '../../support/testCluster.js';
import { ensureReleaseImage, releaseImage, releaseScenarioRuns } from '../support/image.js';
import { leakedSecrets, m1, recapOf, storedSecrets, type CliRun } from '../support/m1.js';
import { likeFreshHosts, localSql, on, patronictlList } from './support.js';

const IMAGE = releaseImage('trixie');


/**
 * configure's Patroni + HAProxy layout made small: the three etcd-only hosts
 * and the second HAProxy go, and etcd runs on the primary, the replica and
 * the Barman host instead (three members, as etcd needs); PgBouncer runs on
 * the data nodes beside HAProxy's routes (configure offers one or the other).
 */
function smallTrixieLayout(text: string): string {
  const doc = parseDocument(text);
  const instances = doc.get('instances') as YAMLSeq<YAMLMap>;
  const roles = (i: YAMLMap) => (i.get('role') as YAMLSeq<string>).toJSON() as string[];
  let haproxies = 0;
  instances.items = instances.items.filter((i) => {
    const r = roles(i);
    if (r.length === 1 && r[0] === 'etcd') return false;
    if (r.includes('haproxy')) return ++haproxies === 1;
    return true;
  });
  const location = (doc.getIn(['cluster_vars', 'etcd_location']) as string | undefined) ?? 'main';
  for (const i of instances.items) {
    const r = roles(i);
    if (!r.some((x) => x === 'primary' || x === 'replica' || x === 'barman')) continue;
    const dataNode = r.includes('primary') || r.includes('replica');
    i.set('role', doc.createNode([...r, ...(dataNode ? ['pgbouncer'] : []), 'etcd']));
    i.setIn(['vars', 'etcd_location'], location);
  }
  return doc.toString();
}

const NAME = e2eClusterName('m1e2ep-d13');
let c: ProvisionedTestCluster;
let hosts: string[];
let primary: string;
let replica: string;
const outputs: string[] = [];

async function run(...args: string[]): Promise<CliRun> {
  const r = await m1(...args);
  outputs.push(r.out, r.err);
  return r;
}

const changedEverywhere = (r: CliRun) => Object.fromEntries(hosts.map((h) => [h, recapOf(r.out + r.err)[h]?.changed]));

describe.skipIf(!releaseScenarioRuns('trixie'))('a Patroni cluster with HAProxy on Debian 13 (trixie)', () => {
  beforeAll(async () => {
    ensureReleaseImage('trixie');
    c = await provisionConfiguredCluster({
      name: NAME,
      configure: { failoverManager: 'patroni', enableHaproxy: true, osVersion: '13', locationNames: ['a'] },
      edit: smallTrixieLayout,
      image: IMAGE,
      fresh: true,
    });
    hosts = c.cluster.instances.map((i) => i.name);
    primary = c.cluster.instances.find((i) => hasRole(i, 'primary'))!.name;
    replica = c.cluster.instances.find((i) => hasRole(i, 'replica'))!.name;
    await likeFreshHosts(c);
  }, 300_000);
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await c?.teardown();
  });

  it('configure picked PostgreSQL 17 for Debian 13; four hosts, etcd on three, PgBouncer on both data nodes', () => {
    expect(c.cluster.postgresVersion).toBe(17);
    expect(hosts).toHaveLength(4);
    expect(c.cluster.instances.filter((i) => hasRole(i, 'etcd'))).toHaveLength(3);
    expect(c.cluster.instances.filter((i) => hasRole(i, 'pgbouncer')).map((i) => i.name)).toEqual([primary, replica]);
  });

  it("deploys on the release's own packages (PostgreSQL 17, Patroni 4.0, etcd 3.5, Barman 3.13); no password in the output", async () => {
    const started = Date.now();
    const d = await run('deploy', c.dir);
    console.log(`first deploy: ${((Date.now() - started) / 1000).toFixed(1)} s`);
    expect(d.code, d.out + d.err).toBe(0);
    expect(await localSql(c, primary, 'SHOW server_version_num')).toMatch(/^170/);
    expect(await on(c, primary, 'patroni --version')).toMatch(/patroni 4\.0\./);
    expect(await on(c, primary, 'etcd --version')).toMatch(/etcd Version: 3\.5\./);
    expect(await on(c, primary, 'pgbouncer --version')).toMatch(/PgBouncer 1\.24\./);
    const s = await patronictlList(c, primary);
    expect(s.leader).toBe(primary);
    expect(s.members.find((m) => m.name === replica)?.state).toBe('streaming');
    expect(leakedSecrets(await storedSecrets(c.dir), outputs)).toEqual([]);
  }, 600_000);

  it('m1 test passes: writes, replication, HAProxy, every PgBouncer, Barman (backup.info in meta/), Patroni', async () => {
    const t = await run('test', c.dir);
    expect(t.code, t.out + t.err).toBe(0);
    for (const b of [primary, replica]) expect(t.out).toMatch(new RegExp(`PASS\\s+PgBouncer ${b}:6432 reaches the primary`));
    expect(t.out).toMatch(/PASS\s+barman check \S+ \(on \S+\)\s+OK; backs up \S+, [1-9]\d* backup\(s\)/);
    expect(t.out).not.toMatch(/^FAIL/m);
  }, 120_000);

  it('a redeploy changes nothing', async () => {
    const again = await run('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    expect(changedEverywhere(again)).toEqual(Object.fromEntries(hosts.map((h) => [h, 0])));
  }, 300_000);

  it('switches over to the replica (m1 switchover), and a redeploy then changes nothing', async () => {
    const s = await run('switchover', c.dir, replica);
    expect(s.code, s.out + s.err).toBe(0);
    expect((await patronictlList(c, primary)).leader).toBe(replica);
    const again = await run('deploy', c.dir);
    expect(again.code, again.out + again.err).toBe(0);
    expect(changedEverywhere(again)).toEqual(Object.fromEntries(hosts.map((h) => [h, 0])));
    const t = await run('test', c.dir);
    expect(t.code, t.out + t.err).toBe(0);
    expect(t.out).toMatch(new RegExp(`PASS\\s+exactly one primary\\s+${replica}`));
    // Every PgBouncer now sends clients to the new primary (the callback, then deploy, agree).
    for (const b of [primary, replica]) expect(t.out).toMatch(new RegExp(`PASS\\s+PgBouncer ${b}:6432 reaches the primary\\s+.*${replica}`));
    // m1 status reads Patroni 4's REST API (role "primary", not 3.0's "master"): not degraded.
    const status = await run('status', c.dir);
    expect(status.code, status.out + status.err).toBe(0);
    expect(status.out).toContain(replica);
    expect(leakedSecrets(await storedSecrets(c.dir), outputs)).toEqual([]);
  }, 600_000);
});
