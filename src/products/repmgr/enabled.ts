import type { Cluster } from '../../inventory/cluster.js';
import { hasRole } from '../../inventory/cluster.js';

/**
 * In a repmgr cluster, repmgr runs when there is something to fail over to
 * (TPA: at least one replica); a single-node M1 gets no repmgr. Asked by the
 * repmgr failover manager (roles/repmgr/manager.ts) and its role only.
 */
export function repmgrEnabled(cluster: Cluster): boolean {
  return cluster.instances.some((i) => hasRole(i, 'replica'));
}
