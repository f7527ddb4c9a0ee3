/**
 * Patroni's part of m1 remove-node (src/products/patroni/removal.ts says
 * what Patroni does by itself): a downstream replica is told its new
 * upstream in its `replicatefrom` tag and reloaded; the member's Patroni is
 * stopped and disabled (a clean stop stops its Postgres); on the leader its
 * permanent slot leaves the DCS configuration and its member key is waited
 * out of the DCS (it expires with its lease, `ttl` after the stop); then the
 * slot is dropped wherever Patroni has not dropped it yet. No host keeps a
 * copy of the member list but etcd.
 */
import type { NodeRemoval } from '../failoverManager.js';
import { isDataNode } from '../../src/inventory/cluster.js';
import { instanceAddress } from '../../src/products/etcd/members.js';
import { patroniDynamicConfig } from '../../src/products/patroni/dynamicConfig.js';
import { patroniSlotName } from '../../src/products/patroni/members.js';
import { FOLLOW_WAIT_S, followCommand, forgetMemberCommand } from '../../src/products/patroni/removal.js';
import { POSTGRES_SERVICE, patroniServiceName } from '../../src/products/patroni/settings.js';

/** The member key's lease runs out `ttl` after the last refresh; a loop and a margin on top. */
export function memberExpiryS(cluster: Parameters<typeof patroniDynamicConfig>[0]): number {
  const config = patroniDynamicConfig(cluster);
  const ttl = typeof config.ttl === 'number' ? config.ttl : 30;
  const loop = typeof config.loop_wait === 'number' ? config.loop_wait : 10;
  return ttl + loop + 10;
}

export const patroniRemoval: NodeRemoval = {
  // Patroni stops its Postgres; the postgres unit is disabled on Patroni members already (listed in case a hand-over was interrupted).
  units: (cluster) => [patroniServiceName(cluster), POSTGRES_SERVICE],
  follow: (cluster, _replica, upstream) => ({ command: followCommand(cluster, upstream.name, instanceAddress(upstream)), timeoutMs: (FOLLOW_WAIT_S + 30) * 1000 }),
  unregister: (cluster, i) => {
    const waitS = memberExpiryS(cluster);
    return { command: forgetMemberCommand(cluster, i, patroniSlotName(i.name), waitS), timeoutMs: (waitS + 30) * 1000 };
  },
  // A member down longer than ttl is no longer listed, but its permanent slot is still in the DCS.
  unregisterAlways: true,
  copies: () => [],
  slot: (_cluster, i) => (isDataNode(i) ? patroniSlotName(i.name) : undefined),
};
