import { describe, expect, it } from 'vitest';
import type { DeployContext } from '../../roles/context.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { NOTHING_LIVE, type LiveState } from '../../src/inventory/liveTopology.js';
import { downstreamReplicas } from '../../roles/efm/role.js';
import { deployContext } from '../../test/unit/roles/fixtures.js';
import { cascadedLayout, defaultLayout } from '../../test/unit/roles/efm/clusters.js';
import { efmStages } from './efmStages.js';

const USERS = ['postgres', 'replication', 'barman', 'streaming_barman', 'pgbouncer_auth_user', 'pgbouncer', 'efm'];
const context = (cluster: Cluster, live: LiveState = NOTHING_LIVE, over: Partial<DeployContext> = {}): DeployContext =>
  deployContext(cluster, live, { passwords: Object.fromEntries(USERS.map((u) => [u, `pw-${u}`])), ...over });

const stages = (ctx: DeployContext, restartOrder: string[] = []) =>
  Object.fromEntries(efmStages(ctx, { restartOrder }).map((s) => [s.name, { hosts: [...s.hosts], roles: s.roles.map((r) => r.name) }]));

describe('efmStages: which hosts get what', () => {
  it('default layout: Postgres on the primary then its replica, never on the witness; EFM on all three, last', () => {
    const s = stages(context(defaultLayout()));
    expect(Object.keys(s)).toEqual(['common', 'primary', 'replicas', 'barman', 'efm']);
    expect(s['common']).toEqual({ hosts: ['quash', 'quack', 'quarto'], roles: ['common', 'efm packages'] });
    expect(s['primary']).toEqual({ hosts: ['quash'], roles: ['efm clone', 'postgres', 'efm postgres'] });
    expect(s['replicas']!.hosts).toEqual(['quack']);
    expect(s['barman']!.hosts).toEqual(['quarto']);
    expect(s['efm']).toEqual({ hosts: ['quash', 'quack', 'quarto'], roles: ['efm'] });
  });

  it('cascaded replicas come a level after their upstream; PgBouncer before EFM', () => {
    const s = stages(context(cascadedLayout()));
    expect(s['primary']!.hosts).toEqual(['kaboom']);
    expect(s['replicas']!.hosts).toEqual(['kaftan', 'kaput']);
    expect(s['cascaded replicas (level 2)']!.hosts).toEqual(['karakul']);
    const names = Object.keys(s);
    expect(names.indexOf('pgbouncer')).toBeLessThan(names.indexOf('efm'));
    expect(s['efm']!.hosts).toEqual(['kaboom', 'kaftan', 'kapok', 'kaput', 'karakul']);
  });

  it('restarts, when the settings need them, come after the data nodes and before Barman', () => {
    const names = Object.keys(stages(context(defaultLayout()), ['quack', 'quash']));
    expect(names).toEqual(['common', 'primary', 'replicas', 'restart', 'barman', 'efm']);
  });

  it('follows the live primary after a switchover', () => {
    const s = stages(context(defaultLayout(), { primary: 'quack', upstreams: { quash: 'quack' } }));
    expect(s['primary']!.hosts).toEqual(['quack']);
    expect(s['replicas']!.hosts).toEqual(['quash']);
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

