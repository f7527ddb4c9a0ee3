/**
 * Many clusters at once: two default repmgr clusters deployed side by side,
 * the first on docker, the second on bare hosts as most users have them
 * (its containers declared `platform: bare`, reached as `admin` with
 * passwordless sudo, root's SSH login refused); one replica of the second
 * stopped. `m1 status` over both answers with one line per cluster, then the
 * details of the degraded one naming the stopped replica, exit 1; `--json`
 * is an array of both; `m1 test` over both fails the second only. With the
 * replica back, both are healthy (exit 0) and a redeploy of either changes
 * nothing. Then `m1 switchover` on the bare cluster: every row passes, `m1
 * test` passes, and the next deploy changes nothing; no output or run log
 * holds a password or the cluster's private key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterStatus } from '../../../playbooks/operate/health.js';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { provisionConfiguredCluster, sshRun, sudoBareTwinOf, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { e2eClusterName } from '../../support/testCluster.js';
import { eventually, leakedSecrets, m1, recapOf, runLogs, storedSecrets, type CliRun } from '../support/m1.js';

let east: ProvisionedTestCluster;
/** The containers of the second cluster, as docker made them (root's login refused once `west` exists). */
let westHosts: ProvisionedTestCluster;
/** The same containers as bare hosts reached as admin with sudo: the second cluster. */
let west: ProvisionedTestCluster;
let stopped: string;
const outputs: CliRun[] = [];

const build = (name: string) =>
  provisionConfiguredCluster({ name: e2eClusterName(name), configure: { postgresql: '15', failoverManager: 'repmgr' }, image: 'm1/debian-packages:bookworm', fresh: true });

describe('m1 status and m1 test over several clusters', () => {
  beforeAll(async () => {
    [east, westHosts] = await Promise.all([build('m1e2e-east'), build('m1e2e-west')]);
    west = await sudoBareTwinOf(westHosts, e2eClusterName('m1e2e-westbare'), 'admin');
    const deployed = await Promise.all([m1('deploy', east.dir), m1('deploy', west.dir)]);
    outputs.push(...deployed);
    for (const d of deployed) expect(d.code, d.out + d.err).toBe(0);
    stopped = west.cluster.instances.find((i) => i.roles.includes('replica'))!.name;
  });
  afterAll(async () => {
    if (!process.env['M1E2E_KEEP']) await Promise.all([east?.teardown(), west?.teardown(), westHosts?.teardown()]);
  });

  it('the second cluster is bare: reached as admin with sudo, root login refused', async () => {
    expect(west.cluster.platform).toBe('bare');
    expect(await readFile(join(west.dir, 'config.yml'), 'utf8')).toMatch(/^  platform: bare\n  vars:\n    ansible_user: admin$/m);
    expect(west.inventory.hosts.map((h) => h.user)).toEqual(west.inventory.hosts.map(() => 'admin'));
    const host = west.inventory.hosts[0]!;
    const asRoot = await sshRun(west.dir, { ...west.inventory, hosts: [{ ...host, user: 'root' }] }, host.name, 'true');
    expect(asRoot.code, asRoot.stderr).toBe(255);
    expect(asRoot.stderr).toMatch(/Permission denied/);
    expect((await sshRun(west.dir, west.inventory, host.name, 'id -un')).stdout.trim()).toBe('admin');
  });

  it('a replica of one cluster stopped: one line per cluster, the degraded one detailed with the replica named, exit 1', async () => {
    await west.ssh(stopped, 'systemctl stop postgres');
    const r = await m1('status', east.dir, west.dir, '--timeout', '10');
    expect(r.code, r.out + r.err).toBe(1);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^cluster +primary +health +max lag +last backup$/);
    expect(lines[1]).toMatch(new RegExp(`^${east.cluster.name} +\\S+ +healthy +`));
    expect(lines[2]).toMatch(new RegExp(`^${west.cluster.name} +\\S+ +DEGRADED \\(\\d+ problems?\\)`));
    // the details: the degraded cluster's full status only
    expect(r.out).toContain(`cluster ${west.cluster.name}: PostgreSQL 15`);
    expect(r.out).not.toContain(`cluster ${east.cluster.name}: PostgreSQL 15`);
    expect(r.out).toMatch(new RegExp(`- ${stopped}: Postgres is not running`));
    expect(r.out).toMatch(/\(2 clusters read in \d+\.\d s\)/);

    const j = await m1('status', east.dir, west.dir, '--json', '--timeout', '10');
    expect(j.code).toBe(1);
    const both = JSON.parse(j.out) as (ClusterStatus & { dir: string })[];
    expect(both.map((s) => [s.cluster, s.healthy])).toEqual([
      [east.cluster.name, true],
      [west.cluster.name, false],
    ]);
    expect(both[1]!.problems.some((p) => p.startsWith(`${stopped}: Postgres is not running`))).toBe(true);

    const t = await m1('test', east.dir, west.dir);
    expect(t.code, t.out).toBe(1);
    expect(t.out.split('\n')[1]).toMatch(new RegExp(`^${east.cluster.name} +PASS `));
    expect(t.out.split('\n')[2]).toMatch(new RegExp(`^${west.cluster.name} +FAIL .*${stopped}`));
  });

  it('the replica back: both healthy (exit 0, no details), and a redeploy of each changes nothing', async () => {
    await west.ssh(stopped, 'systemctl start postgres');
    expect(await eventually(async () => (await m1('status', west.dir, '--timeout', '10')).code === 0, 60_000, 1000)).toBe(true);
    const r = await m1('status', east.dir, west.dir, '--timeout', '10');
    expect(r.code, r.out).toBe(0);
    expect(r.out.split('\n').filter((l) => /healthy/.test(l))).toHaveLength(2);
    expect(r.out).not.toMatch(/^cluster \S+: PostgreSQL/m);
    const again = await Promise.all([m1('deploy', east.dir), m1('deploy', west.dir)]);
    for (const d of again) {
      expect(d.code, d.out + d.err).toBe(0);
      const changed = Object.entries(recapOf(d.out)).filter(([, x]) => x.changed > 0);
      expect(changed, d.out).toEqual([]);
    }
    outputs.push(...again);
  });

  it('the bare cluster switches over (every row passes), m1 test passes, the next deploy changes nothing', async () => {
    const target = stopped;
    const switched = await m1('switchover', west.dir, target);
    outputs.push(switched);
    expect(switched.code, switched.out + switched.err).toBe(0);
    const rows = switched.out.split('\n').filter((l) => /^(PASS|FAIL) /.test(l));
    expect(rows.length, switched.out).toBeGreaterThan(0);
    expect(rows.filter((l) => l.startsWith('FAIL')), switched.out).toEqual([]);
    expect(rows.join('\n')).toContain(`${target} accepts writes`);
    const t = await m1('test', west.dir);
    outputs.push(t);
    expect(t.code, t.out).toBe(0);
    const again = await m1('deploy', west.dir);
    outputs.push(again);
    expect(again.code, again.out + again.err).toBe(0);
    for (const [host, r] of Object.entries(recapOf(again.out))) expect(r.changed, `${host}: ${again.out}`).toBe(0);
  });

  it('no output or run log of the bare cluster holds a password or its private key', async () => {
    const texts = [...outputs.flatMap((o) => [o.out, o.err]), await runLogs(west.dir)];
    expect(leakedSecrets(await storedSecrets(west.dir), texts)).toEqual([]);
    const key = (await readFile(join(west.dir, west.inventory.privateKeyFile), 'utf8')).split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of key) for (const t of texts) expect(t.includes(line)).toBe(false);
  });
});
