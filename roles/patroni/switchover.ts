/** Patroni's switchover, as data: one patronictl call; Patroni demotes the leader and promotes the candidate, replicas follow through the DCS. */
import type { SwitchoverStep } from '../failoverManager.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { patronictlSwitchoverCommand } from '../../src/products/patroni/patronictl.js';

export function patroniSteps(cluster: Cluster, leader: string, target: string): SwitchoverStep[] {
  return [
    {
      name: `patronictl switchover --leader ${leader} --candidate ${target}`,
      host: target,
      // patronictl prints a table; the C locale keeps click from refusing to run without a UTF-8 locale.
      command: `LC_ALL=C.UTF-8 LANG=C.UTF-8 ${patronictlSwitchoverCommand(cluster, leader, target)}`,
      timeoutMs: 180_000,
      promotes: true,
    },
  ];
}
