import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeployContext } from '../../roles/context.js';
import type { StageOptions } from '../../roles/failoverManager.js';
import { managerFor } from '../../roles/managers.js';
import { downstreamReplicas } from '../../roles/efm/role.js';
import { Secrets, type Playbook } from '../../src/engine/index.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { NOTHING_LIVE, type LiveState } from '../../src/inventory/liveTopology.js';
import { deployContext, twoLocationCluster } from '../../test/unit/roles/fixtures.js';
import { patroniCluster } from '../../test/unit/roles/patroni/fixture.js';
import { cascadedLayout, defaultLayout } from '../../test/unit/roles/efm/clusters.js';
import { withPlannedOut, withoutHosts } from './deploy.js';
import { DEPLOY_PASSWORD_USERS, ensurePasswords } from './passwords.js';
import { deployPlaybook } from './playbook.js';

const USERS = ['postgres', 'repmgr', 'replication', 'barman', 'streaming_barman', 'pgbouncer_auth_user', 'pgbouncer', 'patroni', 'efm'];
const context = (cluster: Cluster, live: LiveState = NOTHING_LIVE, over: Partial<DeployContext> = {}): DeployContext =>
  deployContext(cluster, live, { passwords: Object.fromEntries(USERS.map((u) => [u, `pw-${u}`])), ...over });

const options = (restartOrder: string[] = []): StageOptions => ({ restartOrder, gate: { report: [] } });
const playbook = (ctx: DeployContext, restartOrder: string[] = []): Playbook => deployPlaybook(ctx, managerFor(ctx.cluster), options(restartOrder));
const byName = (p: Playbook) => Object.fromEntries(p.stages.map((s) => [s.name, { hosts: [...s.hosts], roles: Array.isArray(s.roles) ? s.roles.map((r) => r.name) : [], serial: s.serial ?? false, dependsOn: s.dependsOn }]));

describe('the deploy playbook, repmgr', () => {
  it('runs common everywhere, then the topology levels, restarts, Barman and PgBouncer', () => {
    const p = playbook(context(twoLocationCluster()), ['beta', 'alpha']);
    expect(p.stages.map((s) => [s.name, [...s.hosts]])).toEqual([
      ['common', ['alpha', 'beta', 'gamma', 'delta', 'epsilon']],
      ['primary', ['alpha']],
      ['replicas', ['beta', 'gamma']],
      ['cascaded replicas (level 2)', ['delta']],
      ['restart', ['beta', 'alpha']],
      // Barman and PgBouncer side by side: neither waits for the other
      ['barman + pgbouncer', ['alpha', 'beta', 'gamma', 'delta', 'epsilon']],
    ]);
    const s = byName(p);
    const shared = p.stages.at(-1)!;
    const rolesOf = (h: string) => (typeof shared.roles === 'function' ? shared.roles(h) : shared.roles).map((r) => r.name);
    expect(rolesOf('epsilon')).toEqual(['barman']);
    expect(rolesOf('alpha')).toEqual(['pgbouncer']);
    expect(shared.dependsOn).toEqual(['alpha']);
    expect(s['primary']!.roles).toEqual(['postgres', 'repmgr']);
    expect(s['restart']!.serial).toBe(true);
    // a cascaded replica depends on its upstream and on the primary
    const cascaded = p.stages.find((x) => x.name.startsWith('cascaded'))!;
    expect(typeof cascaded.dependsOn === 'function' ? cascaded.dependsOn('delta') : []).toEqual(['alpha', 'gamma']);
  });

  it('leaves out hosts not provisioned yet (check mode), and empty stages', () => {
    const p = withoutHosts(playbook(context(twoLocationCluster())), ['delta', 'epsilon']);
    expect(p.stages.map((s) => s.name)).toEqual(['common', 'primary', 'replicas', 'barman + pgbouncer']);
    expect(p.stages.flatMap((s) => s.hosts)).not.toContain('delta');
  });
});

describe('a run limited to a node it rewinds (m1 rejoin)', () => {
  const live: LiveState = { ...NOTHING_LIVE, primary: 'alpha', upstreams: { beta: 'alpha', gamma: 'alpha', delta: 'gamma' } };
  const up = { reachable: true, postgresRunning: true, dataDirInitialised: true } as const;
  const ctxWith = (rejoin: string | undefined) =>
    context(twoLocationCluster(), live, {
      hosts: {
        alpha: { ...up, inRecovery: false },
        beta: { ...up, inRecovery: true, ...(rejoin ? { rejoin } : {}) },
        gamma: { ...up, inRecovery: true },
        delta: { ...up, inRecovery: true },
      },
    });
  const limited = (ctx: DeployContext, limit: string[]) => {
    const leftOut = ctx.cluster.instances.map((i) => i.name).filter((n) => !limit.includes(n));
    return withPlannedOut(withoutHosts(playbook(ctx), leftOut), ctx, managerFor(ctx.cluster), leftOut);
  };
  const firstOp = async (p: Playbook) => {
    const st = p.stages[0]!;
    const roles = typeof st.roles === 'function' ? st.roles(st.hosts[0]!) : st.roles;
    const tasks = await roles[0]!.tasks({} as never);
    return [...(tasks as Iterable<{ name: string }>)][0]!;
  };

  it("first writes the live primary's planned-out list naming the rewound node, on the primary alone", async () => {
    const p = limited(ctxWith('a running standby off the primary\'s timeline'), ['beta']);
    expect(p.stages[0]).toMatchObject({ name: 'planned out', hosts: ['alpha'] });
    expect(p.stages.slice(1).flatMap((s) => s.hosts)).not.toContain('alpha');
    const op = await firstOp(p);
    expect(op.name).toMatch(/fence of alpha: beta \(rewound by this deploy\)/);
  });

  it('adds nothing when nobody is rewound, or when the primary runs in the same deploy (its repmgr role writes the list)', () => {
    expect(limited(ctxWith(undefined), ['beta']).stages.map((s) => s.name)).not.toContain('planned out');
    const all = ctxWith('a former primary');
    expect(limited(all, all.cluster.instances.map((i) => i.name)).stages.map((s) => s.name)).not.toContain('planned out');
  });
});

describe('the deploy playbook, Patroni', () => {
  const summary = (ctx: DeployContext) =>
    playbook(ctx).stages.map((s) => ({ name: s.name, hosts: [...s.hosts], serial: s.serial ?? false, dependsOn: typeof s.dependsOn === 'function' ? 'fn' : s.dependsOn }));

  it('forms etcd (TLS, then users and auth) before any Patroni, then the primary, its replicas, a changed etcd password, the DCS settings, Barman and HAProxy', () => {
    const etcd = ['kapok', 'kaput', 'karakul'];
    expect(summary(context(patroniCluster()))).toEqual([
      { name: 'common', hosts: ['kaboom', 'kaftan', 'kaolin', ...etcd, 'karaoke', 'karate'], serial: false, dependsOn: undefined },
      { name: 'patroni pause', hosts: ['kaboom'], serial: false, dependsOn: undefined },
      { name: 'patroni paused', hosts: ['kaboom', 'kaftan'], serial: false, dependsOn: ['kaboom'] },
      { name: 'etcd', hosts: etcd, serial: false, dependsOn: ['kaboom'] },
      { name: 'etcd health', hosts: ['kapok'], serial: false, dependsOn: etcd },
      { name: 'etcd peer tls', hosts: etcd, serial: true, dependsOn: etcd },
      { name: 'etcd settings', hosts: etcd, serial: true, dependsOn: etcd },
      { name: 'etcd auth', hosts: ['kapok'], serial: false, dependsOn: etcd },
      { name: 'primary', hosts: ['kaboom'], serial: false, dependsOn: etcd },
      { name: 'replicas', hosts: ['kaftan'], serial: false, dependsOn: ['kaboom'] },
      { name: 'etcd passwords', hosts: ['kapok'], serial: false, dependsOn: ['kaboom', 'kaftan'] },
      { name: 'patroni settings', hosts: ['kaboom'], serial: false, dependsOn: ['kaboom', 'kaftan'] },
      // The Barman host only: `backup: kaolin` on kaboom names its Barman host, it makes kaboom none.
      { name: 'barman + haproxy', hosts: ['kaolin', 'karaoke', 'karate'], serial: false, dependsOn: ['kaboom'] },
    ]);
    expect(byName(playbook(context(patroniCluster())))['common']!.roles).toEqual(['common', 'patroni cluster packages']);
  });

  it('treats the live leader as the primary after a switchover (config.yml still names the old one)', () => {
    const s = byName(playbook(context(patroniCluster(), { primary: 'kaftan', upstreams: { kaboom: 'kaftan' } })));
    expect(s['primary']!.hosts).toEqual(['kaftan']);
    expect(s['replicas']!.hosts).toEqual(['kaboom']);
    expect(s['patroni settings']!.hosts).toEqual(['kaftan']);
    expect(s['barman + haproxy']!.dependsOn).toEqual(['kaftan']);
  });

  it('has PgBouncer on the data nodes instead of HAProxy with --enable-pgbouncer', () => {
    const s = byName(playbook(context(patroniCluster({ haproxy: false, pgbouncer: true }))));
    expect(s['barman + pgbouncer']?.hosts).toEqual(['kaboom', 'kaftan', 'kaolin']);
    expect(Object.keys(s).some((n) => n.includes('haproxy'))).toBe(false);
  });

  it('plans no restart stage: Patroni applies settings itself', () => {
    expect(managerFor(patroniCluster()).settingsByDeploy).toBe(false);
    expect(byName(playbook(context(patroniCluster()), ['kaftan']))['restart']).toBeUndefined();
  });
});

describe('the deploy playbook, EFM: which hosts get what', () => {
  it('default layout: Postgres on the primary then its replica, never on the witness; EFM on all three, last', () => {
    const s = byName(playbook(context(defaultLayout())));
    expect(Object.keys(s)).toEqual(['common', 'primary', 'replicas', 'barman', 'efm']);
    expect(s['common']).toMatchObject({ hosts: ['quash', 'quack', 'quarto'], roles: ['common', 'efm packages'] });
    expect(s['primary']).toMatchObject({ hosts: ['quash'], roles: ['postgres', 'efm postgres'] });
    expect(s['replicas']!.hosts).toEqual(['quack']);
    expect(s['barman']!.hosts).toEqual(['quarto']);
    expect(s['efm']).toMatchObject({ hosts: ['quash', 'quack', 'quarto'], roles: ['efm'] });
  });

  it('cascaded replicas come a level after their upstream; PgBouncer before EFM', () => {
    const s = byName(playbook(context(cascadedLayout())));
    expect(s['primary']!.hosts).toEqual(['kaboom']);
    expect(s['replicas']!.hosts).toEqual(['kaftan', 'kaput']);
    expect(s['cascaded replicas (level 2)']!.hosts).toEqual(['karakul']);
    const names = Object.keys(s);
    const pgbouncer = names.findIndex((n) => n.split(' + ').includes('pgbouncer'));
    expect(pgbouncer).toBeGreaterThan(0);
    expect(pgbouncer).toBeLessThan(names.indexOf('efm'));
    expect(s['efm']!.hosts).toEqual(['kaboom', 'kaftan', 'kapok', 'kaput', 'karakul']);
  });

  it('restarts, when the settings need them, come after the data nodes and before Barman', () => {
    const names = Object.keys(byName(playbook(context(defaultLayout()), ['quack', 'quash'])));
    expect(names).toEqual(['common', 'primary', 'replicas', 'restart', 'barman', 'efm']);
  });

  it('follows the live primary after a switchover', () => {
    const s = byName(playbook(context(defaultLayout(), { primary: 'quack', upstreams: { quash: 'quack' } })));
    expect(s['primary']!.hosts).toEqual(['quack']);
    expect(s['replicas']!.hosts).toEqual(['quash']);
    expect(s['efm']!.dependsOn).toEqual(['quack']);
  });

  it('each host holds the slots of the replicas that stream from it', () => {
    const ctx = context(cascadedLayout());
    expect(downstreamReplicas(ctx, 'kaboom')).toEqual([
      { name: 'kaftan', slot: 'kaftan' },
      { name: 'kaput', slot: 'kaput' },
    ]);
    expect(downstreamReplicas(ctx, 'kaput')).toEqual([{ name: 'karakul', slot: 'karakul' }]);
    expect(downstreamReplicas(ctx, 'kapok')).toEqual([]);
  });
});

describe("the failover managers' own secrets", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('Patroni: the REST API password is stored once (0600), registered, and reused', async () => {
    dir = await mkdtemp(join(tmpdir(), 'm1-manager-secrets-'));
    const users = [...DEPLOY_PASSWORD_USERS, ...managerFor(patroniCluster()).passwordUsers];
    const secrets = new Secrets();
    const a = await ensurePasswords(dir, secrets, false, users);
    const pw = a.byUser['patroni']!;
    expect(pw.length).toBeGreaterThanOrEqual(16);
    expect(secrets.redact(`pw=${pw}`)).toBe('pw=********');
    const file = join(dir, 'secrets', 'patroni.password');
    expect((await readFile(file, 'utf8')).trim()).toBe(pw);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await ensurePasswords(dir, new Secrets(), false, users)).byUser['patroni']).toBe(pw);
  });

  it('EFM: its database user; in check mode nothing is written', async () => {
    dir = await mkdtemp(join(tmpdir(), 'm1-manager-secrets-'));
    const c = await ensurePasswords(dir, new Secrets(), true, managerFor(defaultLayout()).passwordUsers);
    expect(c.byUser['efm']).toBeTruthy();
    await expect(stat(join(dir, 'secrets', 'efm.password'))).rejects.toThrow();
  });

  it('repmgr: none beyond the database users (repmgr is one of them)', () => {
    expect(managerFor(twoLocationCluster()).passwordUsers).toEqual([]);
    expect(DEPLOY_PASSWORD_USERS).toContain('repmgr');
  });
});
