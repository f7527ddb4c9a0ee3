/** Cluster models for the efm role's tests, shaped like `m1 configure` output (reference 2.8). */
import type { Cluster, Instance, Role, Vars } from '../../../../src/inventory/cluster.js';

function instance(name: string, node: number, ip: string, roles: Role[], extra: Partial<Instance> = {}): Instance {
  return { name, node, location: 'main', roles, ipAddress: ip, vars: {}, extra: {}, ...extra };
}

function cluster(name: string, instances: Instance[], clusterVars: Vars = {}): Cluster {
  return {
    dir: `/tmp/clusters/${name}`,
    name,
    architecture: 'M1',
    failoverManager: 'efm',
    postgresVersion: 16,
    platform: 'docker',
    locations: [...new Set(instances.map((i) => i.location))].map((n) => ({ name: n, extra: {} })),
    instances,
    clusterVars: { failover_manager: 'efm', postgres_version: '16', edb_repositories: ['standard'], ...clusterVars },
    clusterTags: {},
    instanceDefaults: {},
    extra: {},
  };
}

/** Example A with efm: primary, replica, barman+log-server+witness. */
export function defaultLayout(clusterVars: Vars = {}): Cluster {
  return cluster(
    'efm1',
    [
      instance('quash', 1, '10.33.48.226', ['primary'], { backup: 'quarto' }),
      instance('quack', 2, '10.33.48.227', ['replica'], { upstream: 'quash' }),
      instance('quarto', 3, '10.33.48.228', ['barman', 'log-server', 'witness'], { upstream: 'quash' }),
    ],
    clusterVars,
  );
}

/** Example C's shape with efm: dc2's second replica cascades from dc2's first. */
export function cascadedLayout(clusterVars: Vars = {}): Cluster {
  const dc = (i: Instance, location: string) => ({ ...i, location });
  return cluster(
    'efm2',
    [
      dc(instance('kaboom', 1, '10.33.0.2', ['primary', 'pgbouncer'], { backup: 'kapok' }), 'dc1'),
      dc(instance('kaftan', 2, '10.33.0.3', ['replica', 'pgbouncer'], { upstream: 'kaboom' }), 'dc1'),
      dc(instance('kapok', 3, '10.33.0.4', ['barman', 'log-server', 'witness'], { upstream: 'kaboom' }), 'dc1'),
      dc(instance('kaput', 4, '10.33.0.5', ['replica', 'pgbouncer'], { upstream: 'kaboom' }), 'dc2'),
      dc(instance('karakul', 5, '10.33.0.6', ['replica', 'pgbouncer'], { upstream: 'kaput' }), 'dc2'),
    ],
    clusterVars,
  );
}

export function byName(c: Cluster, name: string): Instance {
  const i = c.instances.find((x) => x.name === name);
  if (!i) throw new Error(`no instance ${name}`);
  return i;
}
