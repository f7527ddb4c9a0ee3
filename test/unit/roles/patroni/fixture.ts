/**
 * The M1 Patroni layout TPA's configure produces (reference 2.8, example B):
 * primary + replica, barman, three etcd nodes, two HAProxy nodes; optionally
 * PgBouncer on the data nodes instead of HAProxy.
 */
import type { Cluster, Instance, Role } from '../../../../src/inventory/cluster.js';

export interface FixtureOptions {
  haproxy?: boolean;
  pgbouncer?: boolean;
  clusterVars?: Record<string, unknown>;
  /** Extra vars per instance name. */
  vars?: Record<string, Record<string, unknown>>;
  /** Drop the IPs (bare platform with DNS names). */
  noAddresses?: boolean;
}

export function patroniCluster(opts: FixtureOptions = {}): Cluster {
  const haproxy = opts.haproxy ?? true;
  const pgbouncer = opts.pgbouncer ?? false;
  const defs: Array<[string, Role[], Partial<Instance>, Record<string, unknown>]> = [
    ['kaboom', ['primary', ...(pgbouncer ? (['pgbouncer'] as Role[]) : [])], { backup: 'kaolin' }, pgbouncer ? { pgbouncer_backend: 'kaboom' } : {}],
    ['kaftan', ['replica', ...(pgbouncer ? (['pgbouncer'] as Role[]) : [])], { upstream: 'kaboom' }, pgbouncer ? { pgbouncer_backend: 'kaboom' } : {}],
    ['kaolin', ['barman', 'log-server'], {}, {}],
    ['kapok', ['etcd'], {}, { etcd_location: 'main' }],
    ['kaput', ['etcd'], {}, { etcd_location: 'main' }],
    ['karakul', ['etcd'], {}, { etcd_location: 'main' }],
  ];
  if (haproxy) {
    for (const n of ['karaoke', 'karate']) {
      defs.push([n, ['haproxy'], {}, { haproxy_backend_servers: ['kaboom', 'kaftan'], haproxy_bind_address: '0.0.0.0' }]);
    }
  }
  const instances: Instance[] = defs.map(([name, roles, extra, vars], i) => ({
    name,
    node: i + 1,
    location: 'main',
    roles,
    ...extra,
    ...(opts.noAddresses ? {} : { ipAddress: `10.33.0.${i + 2}` }),
    vars: { ansible_user: 'root', ...vars, ...(opts.vars?.[name] ?? {}) },
    extra: {},
  }));
  return {
    dir: '/tmp/m1-fixture/patroni1',
    name: 'patroni1',
    architecture: 'M1',
    failoverManager: 'patroni',
    postgresVersion: 15,
    platform: 'docker',
    locations: [{ name: 'main', extra: {} }],
    instances,
    clusterVars: {
      failover_manager: 'patroni',
      postgres_version: '15',
      postgres_flavour: 'postgresql',
      etcd_location: 'main',
      patroni_package_flavour: 'community',
      ...(opts.clusterVars ?? {}),
    },
    clusterTags: {},
    instanceDefaults: { platform: 'docker', vars: { ansible_user: 'root' } },
    dockerNetwork: { name: 'patroni1', subnet: '10.33.0.0/28' },
    extra: {},
  };
}

export function instance(cluster: Cluster, name: string): Instance {
  const i = cluster.instances.find((x) => x.name === name);
  if (!i) throw new Error(`fixture has no instance ${name}`);
  return i;
}
