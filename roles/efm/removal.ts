/**
 * EFM's part of m1 remove-node (src/products/efm/commands/removal.ts): a
 * downstream standby gets its slot on the new upstream and its
 * primary_conninfo rewritten, the node's EFM agent and Postgres are stopped
 * and disabled, `efm disallow-node` on the primary makes the agents forget
 * its address, its slot (efmSlotName) is dropped. Unit-tested only: EFM
 * cannot be installed on the machines m1 is tested on.
 */
import type { NodeRemoval } from '../failoverManager.js';
import { isDataNode, runsPostgres } from '../../src/inventory/cluster.js';
import { efmSlotName } from '../../src/products/efm/clone.js';
import { EFM_FOLLOW_WAIT_S, efmFollowCommand, efmForgetNodeCommand } from '../../src/products/efm/commands/removal.js';
import { efmAddress } from '../../src/products/efm/nodes.js';
import { efmPaths, efmVersion } from '../../src/products/efm/version.js';
import { POSTGRES_SERVICE } from '../../src/products/postgres/layout.js';

/** How long the agents may take to drop a node that is no longer allowed. */
export const EFM_FORGET_WAIT_S = 60;

export const efmRemoval: NodeRemoval = {
  // The agent first: stopped before its database, it reports no failure of its own.
  units: (cluster, i) => [efmPaths(efmVersion(cluster)).serviceName, ...(runsPostgres(i, 'efm') ? [POSTGRES_SERVICE] : [])],
  follow: (cluster, replica, upstream) => ({
    command: efmFollowCommand(cluster.postgresVersion, replica.name, upstream.name, efmSlotName(replica)),
    timeoutMs: (EFM_FOLLOW_WAIT_S + 60) * 1000,
  }),
  unregister: (cluster, i) => ({ command: efmForgetNodeCommand(cluster, efmAddress(cluster, i), EFM_FORGET_WAIT_S), timeoutMs: (EFM_FORGET_WAIT_S + 30) * 1000 }),
  copies: () => [],
  slot: (_cluster, i) => (isDataNode(i) ? efmSlotName(i) : undefined),
};
