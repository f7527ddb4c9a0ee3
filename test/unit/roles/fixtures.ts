/** Cluster models for the role tests: the layouts m1 configure makes for M1 with repmgr. */
import { testTls } from './tlsFixture.js';
import { join } from 'node:path';
import type { DeployContext } from '../../../roles/context.js';
import { Secrets } from '../../../src/engine/index.js';
import type { Cluster, Instance, Role, Vars } from '../../../src/inventory/cluster.js';
import { NOTHING_LIVE, type LiveState } from '../../../src/inventory/liveTopology.js';

function inst(name: string, node: number, location: string, roles: Role[], extra: Partial<Instance> = {}): Instance {
  return { name, node, location, roles, ipAddress: `10.33.0.${node + 10}`, vars: {}, extra: {}, ...extra };
}

/** Default layout: primary, replica, Barman + witness, one location. */
export function defaultCluster(clusterVars: Vars = {}): Cluster {
  return {
    dir: '/clusters/m1',
    name: 'm1',
    architecture: 'M1',
    failoverManager: 'repmgr',
    postgresVersion: 15,
    platform: 'docker',
    locations: [{ name: 'main', extra: {} }],
    instances: [
      inst('alpha', 1, 'main', ['primary'], { backup: 'gamma' }),
      inst('beta', 2, 'main', ['replica'], { upstream: 'alpha' }),
      inst('gamma', 3, 'main', ['barman', 'witness'], { upstream: 'alpha' }),
    ],
    clusterVars,
    clusterTags: {},
    instanceDefaults: {},
    extra: {},
  };
}

/**
 * Two locations, two data nodes each, PgBouncer on every data node:
 * alpha (primary) <- beta; alpha <- gamma (first node of dr) <- delta; epsilon: Barman.
 */
export function twoLocationCluster(clusterVars: Vars = {}): Cluster {
  return {
    dir: '/clusters/m1b',
    name: 'm1b',
    architecture: 'M1',
    failoverManager: 'repmgr',
    postgresVersion: 15,
    platform: 'docker',
    locations: [
      { name: 'main', extra: {} },
      { name: 'dr', extra: {} },
    ],
    instances: [
      inst('alpha', 1, 'main', ['primary', 'pgbouncer'], { backup: 'epsilon' }),
      inst('beta', 2, 'main', ['replica', 'pgbouncer'], { upstream: 'alpha' }),
      inst('gamma', 3, 'dr', ['replica', 'pgbouncer'], { upstream: 'alpha' }),
      inst('delta', 4, 'dr', ['replica', 'pgbouncer'], { upstream: 'gamma' }),
      inst('epsilon', 5, 'main', ['barman']),
    ],
    clusterVars,
    clusterTags: {},
    instanceDefaults: {},
    extra: {},
  };
}

export function byName(cluster: Cluster, name: string): Instance {
  const i = cluster.instances.find((x) => x.name === name);
  if (!i) throw new Error(`fixture has no ${name}`);
  return i;
}

/** What deploy gives a role, for a cluster seen live as `live`: nothing checked, 2 GB per host, fields overridden by `over`. */
export function deployContext(cluster: Cluster, live: LiveState = NOTHING_LIVE, over: Partial<DeployContext> = {}): DeployContext {
  return {
    cluster,
    live,
    hosts: {},
    secrets: new Secrets(),
    secretsDir: join(cluster.dir, 'secrets'),
    check: false,
    memoryMb: Object.fromEntries(cluster.instances.map((i) => [i.name, 2048])),
    skipPackages: new Set(),
    tls: testTls(cluster),
    ...over,
  };
}
