import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeployContext } from '../../roles/context.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { NOTHING_LIVE, type LiveState } from '../../src/inventory/liveTopology.js';
import { patroniCluster } from '../../test/unit/roles/patroni/fixture.js';
import { deployContext } from '../../test/unit/roles/fixtures.js';
import { ensurePatroniSecrets, patroniStages } from './patroniStages.js';

const USERS = ['postgres', 'replication', 'barman', 'streaming_barman', 'pgbouncer_auth_user', 'pgbouncer', 'patroni'];
const context = (cluster: Cluster, live: LiveState = NOTHING_LIVE, over: Partial<DeployContext> = {}): DeployContext =>
  deployContext(cluster, live, { passwords: Object.fromEntries(USERS.map((u) => [u, `pw-${u}`])), ...over });

const summary = (ctx: DeployContext) =>
  patroniStages(ctx).map((s) => ({ name: s.name, hosts: [...s.hosts], serial: s.serial ?? false, dependsOn: typeof s.dependsOn === 'function' ? 'fn' : s.dependsOn }));

describe('patroniStages', () => {
  it('forms etcd before any Patroni, then the primary, its replicas, the DCS settings, Barman and HAProxy', () => {
    const etcd = ['kapok', 'kaput', 'karakul'];
    expect(summary(context(patroniCluster()))).toEqual([
      { name: 'common', hosts: ['kaboom', 'kaftan', 'kaolin', ...etcd, 'karaoke', 'karate'], serial: false, dependsOn: undefined },
      { name: 'etcd', hosts: etcd, serial: false, dependsOn: undefined },
      { name: 'etcd health', hosts: ['kapok'], serial: false, dependsOn: etcd },
      { name: 'etcd settings', hosts: etcd, serial: true, dependsOn: etcd },
      { name: 'primary', hosts: ['kaboom'], serial: false, dependsOn: etcd },
      { name: 'replicas', hosts: ['kaftan'], serial: false, dependsOn: ['kaboom'] },
      { name: 'patroni settings', hosts: ['kaboom'], serial: false, dependsOn: ['kaboom', 'kaftan'] },
      { name: 'barman', hosts: ['kaboom', 'kaolin'], serial: false, dependsOn: ['kaboom'] },
      { name: 'haproxy', hosts: ['karaoke', 'karate'], serial: false, dependsOn: ['kaboom'] },
    ]);
  });

  it('treats the live leader as the primary after a switchover (config.yml still names the old one)', () => {
    const stages = summary(context(patroniCluster(), { primary: 'kaftan', upstreams: { kaboom: 'kaftan' } }));
    const byName = Object.fromEntries(stages.map((s) => [s.name, s]));
    expect(byName['primary']!.hosts).toEqual(['kaftan']);
    expect(byName['replicas']!.hosts).toEqual(['kaboom']);
    expect(byName['patroni settings']!.hosts).toEqual(['kaftan']);
    expect(byName['barman']!.dependsOn).toEqual(['kaftan']);
  });

  it('has PgBouncer on the data nodes instead of HAProxy with --enable-pgbouncer', () => {
    const names = summary(context(patroniCluster({ haproxy: false, pgbouncer: true })));
    expect(names.find((s) => s.name === 'pgbouncer')?.hosts).toEqual(['kaboom', 'kaftan']);
    expect(names.some((s) => s.name === 'haproxy')).toBe(false);
  });
});

describe('ensurePatroniSecrets', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function clusterIn(): Promise<Cluster> {
    dir = await mkdtemp(join(tmpdir(), 'm1-patroni-pb-'));
    return { ...patroniCluster(), dir };
  }

  it('stores the REST API password once (0600), registers it, and reuses it', async () => {
    const cluster = await clusterIn();
    const base = context(cluster, NOTHING_LIVE, { passwords: { postgres: 'x' } });
    const a = await ensurePatroniSecrets(base);
    const pw = a.passwords!['patroni']!;
    expect(pw.length).toBeGreaterThanOrEqual(16);
    expect(a.passwords!['postgres']).toBe('x');
    expect(base.secrets.redact(`pw=${pw}`)).toBe('pw=********');
    const file = join(dir!, 'secrets', 'patroni.password');
    expect((await readFile(file, 'utf8')).trim()).toBe(pw);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const b = await ensurePatroniSecrets(context(cluster, NOTHING_LIVE, { passwords: {} }));
    expect(b.passwords!['patroni']).toBe(pw);
  });

  it('writes nothing in check mode', async () => {
    const cluster = await clusterIn();
    const c = await ensurePatroniSecrets(context(cluster, NOTHING_LIVE, { passwords: {}, check: true }));
    expect(c.passwords!['patroni']).toBeTruthy();
    await expect(stat(join(dir!, 'secrets', 'patroni.password'))).rejects.toThrow();
  });
});
