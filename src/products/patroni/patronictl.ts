/**
 * patronictl command lines (Patroni 3.0.2). Run as root; patronictl reads
 * the member's config file for the DCS address and the REST credentials
 * (restapi.authentication), so no secret is on the command line.
 */
import { argv } from '../../engine/shell/quote.js';
import type { Cluster } from '../../inventory/cluster.js';
import { patroniConfigPath } from './settings.js';

function patronictl(cluster: Cluster, ...args: string[]): string {
  return argv('patronictl', '-c', patroniConfigPath(cluster), ...args);
}

/** Members, roles, states, lag, pending restarts, as JSON (parsePatronictlList). */
export function patronictlListCommand(cluster: Cluster): string {
  return patronictl(cluster, 'list', '-f', 'json');
}

/** Immediate switchover without prompts (--leader is 3.0's name; --master is deprecated). */
export function patronictlSwitchoverCommand(cluster: Cluster, leader: string, candidate: string): string {
  return patronictl(cluster, 'switchover', '--leader', leader, '--candidate', candidate, '--scheduled', 'now', '--force');
}

/** Restart members with pending_restart, without prompts. */
export function patronictlRestartPendingCommand(cluster: Cluster, members: readonly string[]): string {
  return patronictl(cluster, 'restart', cluster.name, ...members, '--pending', '--force');
}

/** The dynamic configuration as patronictl shows it (YAML). */
export function patronictlShowConfigCommand(cluster: Cluster): string {
  return patronictl(cluster, 'show-config');
}
