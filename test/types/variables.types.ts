/**
 * Type-level tests of the variable accessors, checked by `tsc` (tsconfig.json
 * includes test/types; vitest does not run this file). Each
 * `@ts-expect-error` must meet an error: if a line below compiled, tsc would
 * fail on the unused directive.
 */
import { clusterVar, hostVar, mergedHostMap } from '../../src/config/vars.js';
import type { Cluster, Instance } from '../../src/inventory/cluster.js';

export function accessorTypes(cluster: Cluster, instance: Instance): void {
  // @ts-expect-error an undeclared variable does not compile
  hostVar(cluster, instance, 'pgbouncer_pool_mod');
  // @ts-expect-error nor in the cluster-wide accessor
  clusterVar(cluster, 'no_such_variable');
  // @ts-expect-error a per-host variable is not read as cluster-wide
  clusterVar(cluster, 'haproxy_port');
  // @ts-expect-error a cluster-wide variable is not read per host
  hostVar(cluster, instance, 'barman_backup_interval');
  // @ts-expect-error TPA's variables m1 accepts but does not use cannot be read
  hostVar(cluster, instance, 'packages');
  // @ts-expect-error a list variable is not merged as a mapping
  mergedHostMap(cluster, instance, 'hostname_aliases');

  // The value has the spec's type...
  const mode: 'session' | 'transaction' | 'statement' = hostVar(cluster, instance, 'pgbouncer_pool_mode');
  const port: number = clusterVar(cluster, 'etcd_client_port');
  const aliases: string[] = hostVar(cluster, instance, 'hostname_aliases');
  // @ts-expect-error ...and no other
  const wrong: number = hostVar(cluster, instance, 'pgbouncer_pool_mode');
  // @ts-expect-error a variable without a default may be unset
  const location: string = hostVar(cluster, instance, 'repmgr_location');
  const maybe: string | undefined = hostVar(cluster, instance, 'repmgr_location');
  void [mode, port, aliases, wrong, location, maybe];
}
