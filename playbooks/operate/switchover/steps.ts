/**
 * The commands each failover manager's switchover runs, as data: where,
 * what, as whom, how long it may take. Pure; run.ts executes them.
 */
import type { Cluster } from '../../../src/inventory/cluster.js';
import { servicePauseCommand, standbySwitchoverCommand } from '../../../src/products/repmgr/commands.js';
import { patronictlSwitchoverCommand } from '../../../src/products/patroni/patronictl.js';
import { efmPromoteSwitchoverCommand, efmSetPriorityCommand } from '../../../src/products/efm/commands/switchover.js';
import { shellLine, type HostCommand } from '../../../src/products/efm/commands/hostCommand.js';
import { efmClusterStatusJsonCommand } from '../../../src/products/efm/commands/clusterStatus.js';
import { asPostgres } from '../psql.js';
import { quote } from '../../../src/engine/index.js';

export interface SwitchoverStep {
  /** What progress lines and errors call it. */
  name: string;
  host: string;
  command: string;
  timeoutMs: number;
  /** Run even after an earlier step failed (e.g. unpausing repmgrd). */
  always?: boolean;
  /** The step that makes the target primary: promotion is watched while it runs. */
  promotes?: boolean;
}

/** Runs an EFM host command as its user (EFM wants to run as efm). */
function efmLine(cmd: HostCommand): string {
  return cmd.user ? `cd / && runuser -u ${cmd.user} -- ${shellLine(cmd)}` : shellLine(cmd);
}

/**
 * repmgr (reference 6.1): `repmgr standby switchover --siblings-follow`, run
 * on the target as postgres (it reaches the other nodes over SSH as
 * postgres), then repmgrd unpaused on every node whatever happened. No pause
 * of m1's own before it (TPA stops repmgrd): repmgr 5 pauses every repmgrd
 * itself once its checks pass, right before it stops the primary, and
 * unpauses them when done; a separate pause only added a command (and
 * repmgr's checks) to the time before the promotion.
 */
export function repmgrSteps(cluster: Cluster, target: string): SwitchoverStep[] {
  const v = cluster.postgresVersion;
  return [
    { name: `repmgr standby switchover --siblings-follow on ${target}`, host: target, command: asPostgres(standbySwitchoverCommand(v)), timeoutMs: 600_000, promotes: true },
    { name: 'unpause repmgrd on every node', host: target, command: asPostgres(servicePauseCommand(v, false)), timeoutMs: 60_000, always: true },
  ];
}

/** Patroni: one patronictl call; Patroni demotes the leader and promotes the candidate, replicas follow through the DCS. */
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

/**
 * EFM (reference 6.1, as TPA): the target first in the failover priority
 * list, then `efm promote -switchover` on it; EFM demotes the old primary to
 * a standby of the target. Done when cluster-status-json names the target
 * Primary (polled: 10 x 5 s, as TPA).
 */
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
