/**
 * EFM's switchover, as data (reference 6.1, as TPA): the target first in the
 * failover priority list, then `efm promote -switchover` on it; EFM demotes
 * the old primary to a standby of the target. Done when cluster-status-json
 * names the target Primary (polled: 10 x 5 s, as TPA).
 */
import type { SwitchoverStep } from '../failoverManager.js';
import { instanceByName, type Cluster } from '../../src/inventory/cluster.js';
import { quote } from '../../src/engine/index.js';
import { efmClusterStatusJsonCommand } from '../../src/products/efm/commands/clusterStatus.js';
import { shellLine, type HostCommand } from '../../src/products/efm/commands/hostCommand.js';
import { efmPromoteSwitchoverCommand, efmSetPriorityCommand } from '../../src/products/efm/commands/switchover.js';
import { efmBindByHostname } from '../../src/products/efm/nodes.js';

/** Runs an EFM host command as its user (EFM wants to run as efm). */
function efmLine(cmd: HostCommand): string {
  return cmd.user ? `cd / && runuser -u ${cmd.user} -- ${shellLine(cmd)}` : shellLine(cmd);
}

/** How EFM names the target: its hostname with efm_bind_by_hostname, else its address. */
export function efmTargetAddress(cluster: Cluster, target: string, addresses: Readonly<Record<string, string>>): string {
  const i = instanceByName(cluster, target)!;
  return efmBindByHostname(cluster) ? i.name : (i.ipAddress ?? addresses[i.name] ?? i.name);
}

export function efmSteps(cluster: Cluster, target: string, targetAddress: string): SwitchoverStep[] {
  const status = efmLine(efmClusterStatusJsonCommand(cluster));
  return [
    { name: `efm set-priority ${cluster.name} ${targetAddress} 1`, host: target, command: efmLine(efmSetPriorityCommand(cluster, targetAddress, 1)), timeoutMs: 60_000 },
    { name: `efm promote ${cluster.name} -switchover`, host: target, command: efmLine(efmPromoteSwitchoverCommand(cluster)), timeoutMs: 300_000, promotes: true },
    {
      name: `wait until EFM reports ${targetAddress} as Primary`,
      host: target,
      command: efmWaitPrimaryCommand(status, targetAddress, 10, 5),
      timeoutMs: 120_000,
    },
  ];
}

/** Polls `efm cluster-status-json` until the node at `address` is Primary (bounded). */
export function efmWaitPrimaryCommand(statusCommand: string, address: string, tries: number, intervalS: number): string {
  // The JSON is read by grep on one line: "<address>":{"type":"Primary" (EFM prints compact JSON; spaces tolerated).
  const pattern = `"${address.replace(/\./g, '\\.')}"[[:space:]]*:[[:space:]]*\\{[^}]*"type"[[:space:]]*:[[:space:]]*"Primary"`;
  return [
    'i=0',
    `while [ "$i" -lt ${tries} ]; do`,
    `  if ${statusCommand} 2>/dev/null | tr -d '\\n' | grep -Eq ${quote(pattern)}; then exit 0; fi`,
    `  i=$((i + 1)); sleep ${intervalS}`,
    'done',
    `echo "EFM did not report ${address} as Primary after ${tries * intervalS} s" >&2; exit 1`,
  ].join('\n');
}
