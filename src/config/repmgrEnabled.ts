import type { Cluster } from '../inventory/cluster.js';
import { hasRole } from '../inventory/cluster.js';

/**
 * repmgr runs when it is the failover manager and there is something to fail
 * over to (TPA: at least one replica); a single-node M1 gets no repmgr.
 */
export function repmgrEnabled(cluster: Cluster): boolean {
  return cluster.failoverManager === 'repmgr' && cluster.instances.some((i) => hasRole(i, 'replica'));
}
