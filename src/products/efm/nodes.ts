/**
 * Which instances are EFM agents, how EFM addresses them, and the
 * `<cluster>.nodes` file that lets the first agent admit the others.
 */
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { type Cluster, type Instance, hasRole } from '../../inventory/cluster.js';
import { clusterVar } from '../../config/vars.js';
import { VARIABLES } from '../../config/variables.js';

/** EFM agents talk to each other on this port (TPA's efm_bind_port). */
export const DEFAULT_EFM_BIND_PORT = VARIABLES.efm_bind_port.default;

/**
 * In an EFM cluster, the topology's witness runs an EFM witness agent and no
 * Postgres (TPA turns `witness` into `efm-witness` when the failover manager
 * is efm).
 */
export function isEfmWitness(cluster: Cluster, instance: Instance): boolean {
  return hasRole(instance, 'witness') && !hasRole(instance, 'primary') && !hasRole(instance, 'replica');
}

/**
 * The agents of an EFM cluster, in node order: every primary, replica and
 * witness. None when there is no replica (TPA deploys no failover manager on
 * a single-node M1).
 */
export function efmNodeInstances(cluster: Cluster): Instance[] {
  if (!cluster.instances.some((i) => hasRole(i, 'replica'))) return [];
  return cluster.instances.filter(
    (i) => hasRole(i, 'primary') || hasRole(i, 'replica') || hasRole(i, 'witness'),
  );
}

/** Cluster-wide: every agent must name the others the same way. */
export function efmBindByHostname(cluster: Cluster): boolean {
  return clusterVar(cluster, 'efm_bind_by_hostname');
}

export function efmBindPort(cluster: Cluster): number {
  return clusterVar(cluster, 'efm_bind_port');
}

/**
 * How EFM names this node: its IP address, or its hostname with
 * efm_bind_by_hostname. This is what `bind.address`, the `.nodes` file,
 * `efm set-priority` and the keys of `cluster-status-json` use.
 */
export function efmAddress(cluster: Cluster, instance: Instance): string {
  if (efmBindByHostname(cluster)) return instance.name;
  if (!instance.ipAddress) {
    throw new ConfigError([
      {
        file: join(cluster.dir, 'config.yml'),
        path: `instances[${instance.name}].ip_address`,
        message: 'EFM binds by IP address and this instance has none; set ip_address, or cluster_vars.efm_bind_by_hostname: true',
      },
    ]);
  }
  return instance.ipAddress;
}

/** `<cluster>.nodes`: one `<address>:<port>` line per EFM agent. */
export function efmNodes(cluster: Cluster): string {
  const port = efmBindPort(cluster);
  return efmNodeInstances(cluster)
    .map((i) => `${efmAddress(cluster, i)}:${port}\n`)
    .join('');
}
