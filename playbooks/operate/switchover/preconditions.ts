/**
 * Whether a switchover to `target` may start, decided from one reading of
 * the cluster before anything is touched. Each refusal says why and what to
 * do; nothing has been changed when one is returned. Pure.
 */
import { hasRole, instanceByName, type Cluster, type Instance } from '../../../src/inventory/cluster.js';
import { formatBytes } from '../../../src/products/postgres/lsn.js';
import type { ClusterStatus } from '../health.js';
import { isDataNode } from '../probe/spec.js';
import { DEFAULT_MAX_LAG } from './maxLag.js';
import { managerFor } from '../../../roles/managers.js';

export interface SwitchoverPlan {
  /** The live primary, demoted to a replica of `target`. */
  primary: string;
  target: string;
  /** Replicas streaming from the primary (other than the target): they must follow the target. */
  siblings: string[];
  /** Replicas streaming from another replica, or pinned to the old primary by the manager (Patroni's replicatefrom): they keep their upstream. */
  cascaded: { host: string; upstream: string }[];
  /** repmgr witnesses: registered against the new primary afterwards. */
  witnesses: string[];
  /** The target's lag when checked, bytes. */
  lagBytes: number;
  /** Automatic failover was paused (m1 pause) on some member before: the switchover leaves it so. */
  failoverPaused: boolean;
}

export type Precondition = { ok: true; plan: SwitchoverPlan } | { ok: false; reason: string };

function roleWords(i: Instance): string {
  return i.roles.filter((r) => r !== 'log-server').join(' + ') || 'no role';
}

export function checkSwitchover(cluster: Cluster, status: ClusterStatus, target: string, maxLag = DEFAULT_MAX_LAG): Precondition {
  const refuse = (reason: string): Precondition => ({ ok: false, reason: `switchover to ${target} refused: ${reason}` });
  const dataNodes = cluster.instances.filter(isDataNode).map((i) => i.name);
  const replicasOf = (p: string) => status.hosts.filter((h) => h.live === 'replica' && h.upstream === p).map((h) => h.host);
  const choose = (p: string | undefined) => {
    const direct = p ? replicasOf(p).filter((h) => h !== target) : [];
    return direct.length > 0 ? `choose one of ${p}'s replicas: ${direct.join(', ')}` : `its data nodes are ${dataNodes.join(', ')}`;
  };

  const i = instanceByName(cluster, target);
  if (!i) return refuse(`${target} is not a host of cluster ${cluster.name} (hosts: ${cluster.instances.map((x) => x.name).join(', ')}); ${choose(status.primary)}`);
  if (!isDataNode(i)) {
    const words = roleWords(i);
    const what = hasRole(i, 'witness') ? 'the witness' : `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words} host`;
    return refuse(`${target} is ${what}, not a data node: it holds no copy of the data to promote; ${choose(status.primary)}`);
  }
  const h = status.hosts.find((x) => x.host === target)!;
  if (status.primary === target) return refuse(`${target} is already the primary; nothing to do (to move the primary elsewhere, name one of its replicas: ${replicasOf(target).join(', ') || 'none streams from it'})`);
  if (!h.reachable) return refuse(`cannot reach ${target} over SSH (${h.error ?? 'no answer'}); bring the host back, or ${choose(status.primary)}`);
  if (!h.postgresRunning) return refuse(`Postgres on ${target} is not running; start it (systemctl start postgres on ${target}) and let it catch up (m1 status shows its lag), or ${choose(status.primary)}`);
  if (status.primaries.length === 0) return refuse('no data node runs as primary, so there is nothing to switch over from; after a failure, let the failover manager promote a replica (or promote one by hand), then run m1 status');
  if (status.primaries.length > 1) return refuse(`${status.primaries.length} data nodes run as primary (${status.primaries.join(', ')}): split brain; demote all but one first (repmgr node rejoin --force-rewind on the others), then run m1 status`);
  const primary = status.primary!;
  if (status.fm.from === undefined) return refuse(`${status.fm.manager} did not answer on any node, so it cannot carry out a switchover; check its service (m1 status)`);
  if (status.fm.primary !== primary) {
    return refuse(
      `${status.fm.manager} (asked on ${status.fm.from}) takes ${status.fm.primary ?? 'no node'} for the primary, but Postgres on ${primary} is the primary; ` +
        `make them agree first (repmgr: \`repmgr cluster show\`, re-register with \`repmgr primary register --force\` on ${primary}), then run m1 status`,
    );
  }
  if (h.live !== 'replica') return refuse(`${target} is not running as a replica (it is ${h.live})`);
  if (h.replication !== 'streaming') return refuse(`${target} is not streaming (WAL receiver: ${h.replication ?? 'none'}${h.upstream ? `, upstream ${h.upstream}` : ''}); fix its replication (journalctl -u postgres on ${target}), or ${choose(primary)}`);
  if (h.upstream !== primary) {
    return refuse(
      `${target} is a cascaded replica: it streams from ${h.upstream ?? 'an unknown host'}, not from the primary ${primary}, and the primary cannot be demoted across it; ` +
        `${choose(primary)}${h.upstream && replicasOf(primary).includes(h.upstream) ? `, or switch over to ${h.upstream} first` : ''}`,
    );
  }
  const lag = h.lagBytes;
  if (lag === undefined) return refuse(`the lag of ${target} behind ${primary} cannot be told (no WAL position read); run m1 status`);
  if (lag > maxLag) return refuse(`${target} is ${formatBytes(lag)} (${lag} bytes) behind ${primary}, over --max-lag ${maxLag}; wait until it catches up (m1 status shows the lag), or raise --max-lag`);

  // A replica the manager pins to the old primary (Patroni's replicatefrom) stays under it, cascaded, instead of following the target.
  const manager = managerFor(cluster);
  const pinned = (x: string) => {
    const inst = instanceByName(cluster, x);
    return inst !== undefined && manager.pinnedUpstream?.(cluster, inst) === primary;
  };
  const direct = replicasOf(primary).filter((x) => x !== target);
  return {
    ok: true,
    plan: {
      primary,
      target,
      siblings: direct.filter((x) => !pinned(x)),
      cascaded: [
        ...direct.filter(pinned).map((x) => ({ host: x, upstream: primary })),
        ...status.hosts.filter((x) => x.live === 'replica' && x.upstream !== undefined && x.upstream !== primary).map((x) => ({ host: x.host, upstream: x.upstream! })),
      ],
      witnesses: status.hosts.filter((x) => x.live === 'witness').map((x) => x.host),
      lagBytes: lag,
      failoverPaused: status.failover.paused.length > 0,
    },
  };
}
