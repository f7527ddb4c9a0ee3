/**
 * repmgr's part of m1 remove-node: a downstream standby follows another
 * upstream with `repmgr standby follow --upstream-node-id` (what repmgrd
 * does when an upstream fails), the node's record goes with `repmgr standby
 * unregister` (a witness: `witness unregister`) run on the primary with
 * --node-id, and its slot is repmgr's repmgr_slot_<node_id>.
 */
import type { NodeRemoval } from '../failoverManager.js';
import { hasRole, isDataNode } from '../../src/inventory/cluster.js';
import { hostVar } from '../../src/config/vars.js';
import { asPostgres } from '../../src/products/postgres/run.js';
import { POSTGRES_SERVICE } from '../../src/products/postgres/layout.js';
import { standbyFollowCommand, unregisterCommand } from '../../src/products/repmgr/commands.js';
import { REPMGR_SERVICE } from '../../src/products/repmgr/layout.js';
import { FENCE_SERVICE } from '../../src/products/repmgr/runtimeFence.js';
import { forgetNodeSql, repmgrSlotName } from '../../src/products/repmgr/sql.js';
import { localPsql } from '../../src/products/postgres/run.js';
import { quote } from '../../src/engine/shell/quote.js';
import { REPMGR_DB } from '../../src/products/repmgr/layout.js';

export const repmgrRemoval: NodeRemoval = {
  // The fence and repmgrd before the server: neither acts on a server stopped on purpose.
  units: () => [FENCE_SERVICE, REPMGR_SERVICE, POSTGRES_SERVICE],
  // standby_follow_timeout (30 s by default) bounds the wait; a restart (before PostgreSQL 13) adds to it.
  follow: (cluster, _replica, upstream) => ({ command: asPostgres(standbyFollowCommand(cluster.postgresVersion, upstream.node)), timeoutMs: 120_000 }),
  unregister: (cluster, i) => ({
    command: asPostgres(unregisterCommand(cluster.postgresVersion, hasRole(i, 'witness') && !isDataNode(i) ? 'witness' : 'standby', i.node)),
    timeoutMs: 60_000,
  }),
  copies: (cluster, i, upstream) =>
    cluster.instances
      .filter((w) => w.name !== i.name && hasRole(w, 'witness') && !isDataNode(w))
      .map((w) => ({
        host: w.name,
        name: `forget ${i.name} (node ${i.node}) in ${w.name}'s copy of repmgr.nodes`,
        command: localPsql(cluster.postgresVersion, REPMGR_DB, `-c ${quote(forgetNodeSql(i.node, upstream.node))}`),
        timeoutMs: 30_000,
      })),
  slot: (cluster, i) => (isDataNode(i) && hostVar(cluster, i, 'repmgr_use_slots') ? repmgrSlotName(i.node) : undefined),
};
