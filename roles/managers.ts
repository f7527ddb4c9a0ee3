/**
 * The failover managers by name, and the one a cluster uses. The only place
 * that maps the name (config.yml's failover_manager) to its implementation.
 */
import type { Cluster, FailoverManagerName } from '../src/inventory/cluster.js';
import type { FailoverManager } from './failoverManager.js';
import { efmManager } from './efm/manager.js';
import { patroniManager } from './patroni/manager.js';
import { repmgrManager } from './repmgr/manager.js';

export const MANAGERS: Readonly<Record<FailoverManagerName, FailoverManager>> = {
  repmgr: repmgrManager,
  patroni: patroniManager,
  efm: efmManager,
};

export function managerFor(cluster: Pick<Cluster, 'failoverManager'>): FailoverManager {
  return MANAGERS[cluster.failoverManager];
}
