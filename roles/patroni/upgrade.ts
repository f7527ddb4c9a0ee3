/**
 * Patroni in m1 upgrade. Patroni runs Postgres as its own child: a member
 * moves onto the new binaries through Patroni (POST /restart on its REST
 * API, what `patronictl restart <scope> <member> --force` sends), never
 * through systemd, which would have Patroni start it again behind m1's back.
 * When Patroni's own package (or its etcd library) is upgraded, its daemon
 * restarts first to load the new code; m1 upgrade only ever does that on a
 * replica: the leader is switched over before its packages are touched, so
 * no leader's Patroni stops (a leader's Patroni stopping releases the leader
 * key, a failover).
 *
 * Automatic failover is NOT paused around these restarts (pausesFailover
 * false), unlike repmgr's: Patroni restarts the member itself and knows
 * why, and only the leader key expiring starts a failover, which a
 * replica's restart never touches. Paused, the cluster would gain nothing
 * and lose two things: a leader that really fails during the upgrade would
 * not be replaced, and a member's Patroni daemon restarted paused leaves its
 * Postgres running on the old binaries. A person's own pause (m1 pause) is
 * left as it is: POST /restart works paused.
 */
import type { MinorUpgrade, UpgradeCommand } from '../failoverManager.js';
import { instanceByName, type Cluster, type Instance } from '../../src/inventory/cluster.js';
import { HostError } from '../../src/errors.js';
import { patroniLocalApi } from '../../src/products/patroni/api.js';
import { curlCommand } from '../../src/products/patroni/curlCommand.js';
import { restartRequest } from '../../src/products/patroni/restRequests.js';
import { patroniServiceName } from '../../src/products/patroni/settings.js';
import { restOkCommand } from './restOps.js';
import { PATRONI_REST_SECRET } from './secrets.js';

/** Patroni and the etcd client library it loads: newer ones need its daemon restarted. */
export const PATRONI_UPGRADED_PACKAGES = ['patroni', 'python3-etcd'];

/** How long Patroni may take to stop and start the server (POST /restart's own timeout). */
export const RESTART_TIMEOUT_S = 120;

/** A bounded wait in shell: `check` polled once a second until it exits 0, else exit 1 after `waitS` tries. */
export function pollShell(check: string, waitS: number): string {
  return `i=0; until ${check}; do i=$((i + 1)); [ "$i" -ge ${waitS} ] && exit 1; sleep 1; done`;
}

/** Its daemon restarted (Patroni stops its replica's Postgres and starts it again), then its REST API answering. */
export function restartPatroniDaemonCommand(cluster: Cluster, instance: Instance, waitS = 90): string {
  return [`systemctl restart ${patroniServiceName(cluster)}`, pollShell(`${restOkCommand(patroniLocalApi(cluster, instance), '/patroni')} 2>/dev/null`, waitS)].join('\n');
}

/**
 * POST /restart on the member's own API (password and body on curl's stdin);
 * exit 0 only on HTTP 200 ("restarted successfully": Patroni waited for the
 * server to accept connections again), else the answer printed and exit 1.
 */
export function restThroughPatroniCommand(cluster: Cluster, instance: Instance, secret: string | undefined): { command: string; stdin: string } {
  if (secret === undefined) throw new HostError(`${instance.name}: Patroni's REST API password is needed to restart its Postgres`);
  const spec = curlCommand(patroniLocalApi(cluster, instance), restartRequest({ timeoutSeconds: RESTART_TIMEOUT_S }), secret);
  return {
    command: [`out=$(${spec.command})`, `printf '%s\\n' "$out"`, `case "$out" in *'m1-http-status:200') exit 0 ;; esac`, 'exit 1'].join('\n'),
    stdin: spec.stdin!,
  };
}

/** The member's restart onto the new binaries: its daemon first when its own packages changed, then Postgres through Patroni. */
export function patroniRestartCommands(cluster: Cluster, instance: Instance, upgraded: readonly string[], secret: string | undefined): UpgradeCommand[] {
  const out: UpgradeCommand[] = [];
  const own = upgraded.filter((p) => PATRONI_UPGRADED_PACKAGES.includes(p));
  if (own.length > 0) {
    out.push({ name: `restart ${patroniServiceName(cluster)} (${own.join(', ')} upgraded)`, command: restartPatroniDaemonCommand(cluster, instance), timeoutMs: 150_000 });
  }
  // Also after a daemon restart: a Patroni that came up while the cluster was paused adopted the server still running the old binaries.
  const rest = restThroughPatroniCommand(cluster, instance, secret);
  out.push({ name: `POST /restart on ${instance.name}'s Patroni`, ...rest, timeoutMs: (RESTART_TIMEOUT_S + 30) * 1000 });
  return out;
}

/** Exit 0 once the member's Patroni says it runs as a replica (GET /replica answers 200), within `waitS`. */
export function replicaRunningCommand(cluster: Cluster, instance: Instance, waitS: number): string {
  return pollShell(`${restOkCommand(patroniLocalApi(cluster, instance), '/replica')} 2>/dev/null`, waitS);
}

export const patroniMinorUpgrade: MinorUpgrade = {
  packages: () => [...PATRONI_UPGRADED_PACKAGES],
  // Nothing is stopped around the restart: Patroni does the restart.
  stoppedAround: [],
  // A newer Patroni needs its daemon restarted, which on the leader would be a failover: the leader is switched over first, as for a new server.
  restartFor: () => [...PATRONI_UPGRADED_PACKAGES],
  pausesFailover: false,
  secret: PATRONI_REST_SECRET,
  restart: patroniRestartCommands,
  rejoined: (cluster, _primary, host, waitS) => {
    const i = instanceByName(cluster, host);
    if (!i) throw new HostError(`${host} is not an instance of ${cluster.name}`);
    return replicaRunningCommand(cluster, i, waitS);
  },
};
