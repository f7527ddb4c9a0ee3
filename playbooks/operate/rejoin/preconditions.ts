/**
 * Whether `m1 rejoin` may bring `host` back as a standby, decided from one
 * reading of the cluster before anything is touched. Pure.
 *
 * It rejoins a data node whose Postgres is down (a former primary kept down
 * by the fence, or a stopped standby), or a running standby that does not
 * stream (deploy's part points it at its live upstream, and stops and
 * rewinds it when its WAL left the primary's history), under the one primary
 * that runs. It never stops a running primary: a second one is refused with
 * the command that stops it, so that a person decides which writes to give up.
 */
import { instanceByName, type Cluster } from '../../../src/inventory/cluster.js';
import type { ClusterStatus } from '../health.js';
import { isDataNode } from '../probe/spec.js';
import type { FailoverManager } from '../../../roles/failoverManager.js';

export type RejoinDecision =
  /** Run deploy's part for `host`: it becomes a standby of `primary`. */
  | { kind: 'rejoin'; primary: string }
  /** Already a standby that streams: nothing to do (exit 0). */
  | { kind: 'nothing'; reason: string }
  /** Bad argument or a manager m1 does not rejoin for (exit 2). */
  | { kind: 'usage'; reason: string }
  /** Refused by a safety check (exit 3). */
  | { kind: 'refused'; reason: string }
  /** The host cannot be read (exit 1). */
  | { kind: 'unreachable'; reason: string };

/** Why `host` cannot be rejoined whatever the cluster's state (exit 2, no host read), else undefined. */
export function rejoinUsageProblem(cluster: Cluster, manager: Pick<FailoverManager, 'rejoin'>, host: string): string | undefined {
  const dataNodes = cluster.instances.filter(isDataNode).map((i) => i.name);
  const i = instanceByName(cluster, host);
  if (!i) return `${host} is not a host of cluster ${cluster.name}; its data nodes are ${dataNodes.join(', ')}`;
  if (!isDataNode(i)) return `${host} is not a data node (${i.roles.join(' + ')}): only a primary or a replica rejoins; its data nodes are ${dataNodes.join(', ')}`;
  if (manager.rejoin !== 'deploy') return manager.rejoin.unsupported(cluster);
  return undefined;
}

export function checkRejoin(cluster: Cluster, manager: Pick<FailoverManager, 'rejoin'>, status: ClusterStatus, host: string): RejoinDecision {
  const usage = rejoinUsageProblem(cluster, manager, host);
  if (usage !== undefined) return { kind: 'usage', reason: usage };

  const h = status.hosts.find((x) => x.host === host);
  if (!h?.reachable) return { kind: 'unreachable', reason: `cannot reach ${host} over SSH (${h?.error ?? 'no answer'}); bring the host back, then rerun` };
  if (h.notReadWithinS !== undefined) return { kind: 'unreachable', reason: `${host} did not answer within ${h.notReadWithinS} s; rerun when it does` };

  const others = status.primaries.filter((p) => p !== host);
  if (others.length > 1) return { kind: 'refused', reason: `${others.length} other data nodes run as primary (${others.join(', ')}): split brain, no single primary to rejoin ${host} to; keep one (m1 status shows their timelines), stop the others, then rerun` };
  if (others.length === 0) {
    if (status.primaries.includes(host)) return { kind: 'refused', reason: `${host} is the primary: nothing to rejoin it to; to make it a standby, switch over to one of its replicas first (m1 switchover)` };
    return { kind: 'refused', reason: `no data node runs as primary, so there is none for ${host} to follow; let the failover manager promote a replica, or start the primary, then rerun (m1 status shows the nodes)` };
  }
  const primary = others[0]!;
  if (status.primaries.includes(host) || h.live === 'primary') {
    return {
      kind: 'refused',
      reason:
        `${host} runs as a primary beside ${primary}: m1 rejoin does not stop a running primary (its clients may still be writing there). ` +
        `The fence stops it once it sees ${primary} on a newer timeline; to rejoin it now, stop it yourself (systemctl stop postgres on ${host}) and rerun: ` +
        'the rejoin then reports the writes the rewind discards and keeps their WAL',
    };
  }
  if (h.live === 'replica') {
    if (h.replication === 'streaming') return { kind: 'nothing', reason: `${host} is a standby streaming from ${h.upstream ?? 'its upstream'} already: nothing to rejoin` };
    // Deploy's part points it at its live upstream, and rewinds it (stopped first) when it left the primary's history.
    return { kind: 'rejoin', primary };
  }
  if (h.postgresRunning) return { kind: 'refused', reason: `Postgres runs on ${host} but its role could not be read (${h.live ?? 'unknown'}); rerun, or see m1 status` };
  return { kind: 'rejoin', primary };
}
