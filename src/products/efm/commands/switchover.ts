/**
 * EFM switchover, as TPA does it (reference 6.1): put the target first in
 * EFM's failover priority list, then ask EFM to promote it and turn the old
 * primary into a standby. Both run on the target.
 */
import { RefusedError } from '../../../errors.js';
import type { Cluster, Instance } from '../../../inventory/cluster.js';
import { NOTHING_LIVE, effectiveUpstream } from '../../../inventory/liveTopology.js';
import { isEfmWitness } from '../nodes.js';
import { type EfmLive, isCascadedStandby } from '../properties.js';
import { efmPaths, efmVersion } from '../version.js';
import { type HostCommand, assertAddress, assertClusterName } from './hostCommand.js';
import type { EfmClusterStatus } from './clusterStatus.js';

/** `efm set-priority <cluster> <address> <priority>`: 1 = first to promote, 0 = never. */
export function efmSetPriorityCommand(cluster: Cluster, address: string, priority = 1): HostCommand {
  if (!Number.isInteger(priority) || priority < 0) throw new Error(`efm set-priority: bad priority ${priority}`);
  const efm = efmPaths(efmVersion(cluster)).efm;
  return {
    argv: [efm, 'set-priority', assertClusterName(cluster.name), assertAddress(address), String(priority)],
    user: 'efm',
    secret: false,
    describe: `efm set-priority ${cluster.name} ${address} ${priority}`,
  };
}

/** `efm promote <cluster> -switchover` (EFM's single-dash option). */
export function efmPromoteSwitchoverCommand(cluster: Cluster): HostCommand {
  const efm = efmPaths(efmVersion(cluster)).efm;
  return {
    argv: [efm, 'promote', assertClusterName(cluster.name), '-switchover'],
    user: 'efm',
    secret: false,
    describe: `efm promote ${cluster.name} -switchover`,
  };
}

/** The switchover is done when EFM reports the target as Primary. */
export function switchoverDone(status: EfmClusterStatus, targetAddress: string): boolean {
  return status.nodes[targetAddress]?.type.toLowerCase() === 'primary';
}

/**
 * EFM-specific refusals before a switchover (the generic ones, such as
 * "already primary", belong to `m1 switchover`): EFM can only promote a
 * standby that streams from the primary, and the witness has no database.
 */
export function refuseEfmSwitchoverTarget(cluster: Cluster, target: Instance, live: EfmLive = {}): void {
  if (isEfmWitness(cluster, target)) {
    throw new RefusedError(`${target.name} is the EFM witness and has no database to promote; choose a replica`);
  }
  if (isCascadedStandby(cluster, target, live)) {
    const upstream = effectiveUpstream(cluster, live.topology ?? NOTHING_LIVE, target.name);
    throw new RefusedError(
      `${target.name} is a cascaded replica (it streams from ${upstream}) and EFM does not promote those; choose a replica of the primary`,
    );
  }
}
