/**
 * Why `m1 backup` must not start (exit 3, nothing changed), from one status
 * reading with `barman check`. Pure.
 *
 * - the Barman host does not answer;
 * - the server has no conf (never deployed);
 * - a server that follows the primary: no single primary runs, or Barman
 *   still backs up another host (a failover or switchover not yet followed:
 *   `m1 deploy` retargets it; a backup now would copy a replica's or a dead
 *   host's data, or fail);
 * - `barman check` fails on a check Barman itself calls critical (criticalChecks.ts):
 *   Barman would refuse too, with a less useful message.
 */
import type { BarmanServer } from '../../../src/products/barman/serverName.js';
import { criticalFailures } from '../../../src/products/barman/criticalChecks.js';
import type { ClusterStatus } from '../health.js';

export function backupRefusal(status: Pick<ClusterStatus, 'primary' | 'primaries' | 'barman' | 'hosts'>, server: BarmanServer): string | undefined {
  const host = status.hosts.find((h) => h.host === server.barmanHost);
  if (!host?.reachable) return `the Barman host ${server.barmanHost} does not answer${host?.error ? ` (${host.error})` : ''}`;
  const b = status.barman.find((x) => x.server === server.name && x.host === server.barmanHost);
  if (!b?.target) return `Barman server ${server.name} on ${server.barmanHost} has no server conf: run m1 deploy first`;
  if (server.followsPrimary) {
    if (status.primary === undefined) {
      return status.primaries.length === 0 ? 'no data node runs as primary' : `${status.primaries.length} data nodes run as primary (${status.primaries.join(', ')})`;
    }
    if (b.target !== status.primary) return `Barman server ${server.name} backs up ${b.target}, not the primary ${status.primary}: run m1 deploy to retarget it first`;
  }
  if (!b.check) return `barman check ${server.name} on ${server.barmanHost} gave no answer`;
  const critical = criticalFailures(b.check.failed);
  if (critical.length > 0 || (!b.check.ok && b.check.failed.length === 0)) {
    return `barman check ${server.name} on ${server.barmanHost} fails: ${critical.join('; ') || 'exit status not 0'}`;
  }
  return undefined;
}
