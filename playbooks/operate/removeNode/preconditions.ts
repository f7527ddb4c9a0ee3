/**
 * Whether `m1 remove-node` may take `host` out of service, and what it does
 * there, decided from config.yml, removed.json and one reading of the
 * cluster before anything is touched. Pure.
 *
 * It takes out a replica (a cascaded one too) or a witness: its downstream
 * replicas follow its own upstream first, then it is stopped, the failover
 * manager forgets it and its slot goes. It never takes out what the cluster
 * cannot do without: the primary, the only replica, Barman, a voter whose
 * loss leaves fewer than three.
 */
import { hasRole, instanceByName, isDataNode, type Cluster, type Instance } from '../../../src/inventory/cluster.js';
import type { RemovedInstance, RemovedRecord } from '../../../src/inventory/removed.js';
import { HAPROXY_SERVICE } from '../../../src/products/haproxy/config.js';
import { PGBOUNCER_SERVICE } from '../../../src/products/pgbouncer/layout.js';
import type { FailoverManager, NodeRemoval } from '../../../roles/failoverManager.js';
import type { ClusterStatus } from '../health.js';

/** Voters left after a removal below this: refused. */
export const MIN_VOTERS = 3;

export interface RemovalPlan {
  kind: 'remove';
  host: string;
  node: number;
  /** The live primary: the manager forgets the node there. */
  primary: string;
  /** The upstream its downstream replicas follow from now on (its own upstream, else the primary). */
  upstream: string;
  /** Running replicas that stream from it now, re-pointed to `upstream` first. */
  downstream: string[];
  /** It answered over SSH: its services are stopped (else only said). */
  reachable: boolean;
  /** Why it could not be reached, when it could not. */
  unreachableBecause?: string;
  /** The manager's view lists it: unregister it (and on the hosts that keep a copy of its records). */
  unregister: boolean;
  /** Other hosts that did not answer: nothing is run there (a witness's copy of the records catches up by itself). */
  unreachableOthers: string[];
  /** Its replication slot, and the hosts it may be on (its upstream, the primary). */
  slot?: { name: string; hosts: string[] };
  /** Units stopped and disabled on it, in order (those that exist there). */
  units: string[];
}

export type RemoveDecision =
  | RemovalPlan
  /** Removed before and recorded: nothing to do (exit 0). */
  | { kind: 'nothing'; reason: string }
  /** Removed, but the deploy of the other hosts that ends remove-node has not passed yet: run it again. */
  | { kind: 'finish'; entry: RemovedInstance }
  /** Bad name, a host m1 does not remove, a manager m1 does not remove for (exit 2). */
  | { kind: 'usage'; reason: string }
  /** Refused by a safety check, nothing changed (exit 3). */
  | { kind: 'refused'; reason: string }
  /** A host the removal needs does not answer (exit 1). */
  | { kind: 'unreachable'; reason: string };

export type RemovalManager = Pick<FailoverManager, 'removal' | 'voters' | 'title'>;

function isRemoval(r: RemovalManager['removal']): r is NodeRemoval {
  return 'units' in r;
}

/** Who votes when the manager decides a failover: the data nodes and its voters (witnesses, or etcd members). */
function voters(cluster: Cluster, manager: RemovalManager): Instance[] {
  if (manager.voters === 'etcd') return cluster.instances.filter((i) => hasRole(i, 'etcd'));
  return cluster.instances.filter((i) => isDataNode(i) || hasRole(i, 'witness'));
}

/**
 * What is decided from config.yml and removed.json alone, before any host is
 * read: a decision, or undefined when the reading decides.
 */
export function removeNodeStaticDecision(cluster: Cluster, manager: RemovalManager, record: RemovedRecord, host: string): RemoveDecision | undefined {
  const entry = record.removed.find((r) => r.name === host);
  if (entry?.othersPending) return { kind: 'finish', entry };
  if (entry) return { kind: 'nothing', reason: `${host} was removed on ${entry.removedAt.slice(0, 10)} (${cluster.dir}/removed.json): nothing to do` };
  const i = instanceByName(cluster, host);
  const names = cluster.instances.filter((x) => !record.removed.some((r) => r.name === x.name)).map((x) => x.name);
  if (!i) return { kind: 'usage', reason: `${host} is not an instance of cluster ${cluster.name}; its instances are ${names.join(', ')}` };
  if (hasRole(i, 'barman')) {
    return { kind: 'refused', reason: `${host} is the Barman host (${i.roles.join(' + ')}): the cluster's backups and WAL archive live there; m1 remove-node does not remove it` };
  }
  const v = voters(cluster, manager);
  const isVoter = v.some((x) => x.name === host);
  const role = hasRole(i, 'etcd') ? 'etcd member' : hasRole(i, 'witness') && !isDataNode(i) ? 'witness' : undefined;
  if (role && isVoter && v.length - 1 < MIN_VOTERS) {
    return {
      kind: 'refused',
      reason: `${host} is ${role === 'etcd member' ? 'an' : 'a'} ${role}: without it ${v.length - 1} voter${v.length - 1 === 1 ? '' : 's'} would be left (${v.filter((x) => x.name !== host).map((x) => x.name).join(', ')}), fewer than ${MIN_VOTERS}, and a failover would need every one of them; add a voter first`,
    };
  }
  if (!isDataNode(i) && !(hasRole(i, 'witness') && !hasRole(i, 'etcd'))) {
    return { kind: 'usage', reason: `${host} is not a replica or a witness (${i.roles.join(' + ')}): m1 remove-node takes a replica or a witness out; its instances are ${names.join(', ')}` };
  }
  if (!isRemoval(manager.removal)) return { kind: 'usage', reason: manager.removal.unsupported(cluster) };
  if (hasRole(i, 'etcd')) {
    return { kind: 'usage', reason: `${host} is also an etcd member (${i.roles.join(' + ')}): m1 remove-node does not change etcd's membership; move the etcd role to another host first` };
  }
  if (hasRole(i, 'primary')) {
    return {
      kind: 'refused',
      reason: `config.yml names ${host} the primary (role primary): switch over to one of its replicas first (m1 switchover ${cluster.dir} <replica>), then give the role primary to that replica in config.yml (and replica to ${host}), then rerun`,
    };
  }
  return undefined;
}

/** The host a replica streams from now, when it is one that can feed another (the primary, or a streaming replica). */
function liveUpstream(status: ClusterStatus, host: string, primary: string): string | undefined {
  const h = status.hosts.find((x) => x.host === host);
  const up = h?.live === 'replica' ? h.upstream : undefined;
  if (up === undefined || up === host) return undefined;
  if (up === primary) return up;
  const u = status.hosts.find((x) => x.host === up);
  return u?.live === 'replica' && u.replication === 'streaming' ? up : undefined;
}

export function checkRemoveNode(cluster: Cluster, manager: RemovalManager, status: ClusterStatus, record: RemovedRecord, host: string): RemoveDecision {
  const fixed = removeNodeStaticDecision(cluster, manager, record, host);
  if (fixed) return fixed;
  const removal = manager.removal as NodeRemoval;
  const i = instanceByName(cluster, host)!;
  const h = status.hosts.find((x) => x.host === host);

  if (status.primaries.length > 1) return { kind: 'refused', reason: `${status.primaries.length} data nodes run as primary (${status.primaries.join(', ')}): split brain; settle it first (m1 status), then rerun` };
  const primary = status.primaries[0];
  const unread = status.hosts.filter((x) => x.host !== host && !x.reachable && isDataNode(instanceByName(cluster, x.host)!));
  if (primary === undefined && unread.length > 0) {
    return { kind: 'unreachable', reason: `no data node answers as primary, and ${unread.map((x) => `${x.host} (${x.error ?? 'no answer'})`).join(', ')} cannot be reached over SSH; rerun when the primary answers` };
  }
  if (primary === undefined) return { kind: 'refused', reason: `no data node runs as primary: the failover manager forgets ${host} on the primary; let it promote a replica or start the primary, then rerun` };
  if (primary === host) {
    return { kind: 'refused', reason: `${host} is the primary: switch over to one of its replicas first (m1 switchover ${cluster.dir} <replica>), then rerun` };
  }
  if (status.fm.paused === true) {
    return { kind: 'refused', reason: `automatic failover is paused (${manager.title}): a member stopped while paused leaves its Postgres running; m1 resume ${cluster.dir} first, then rerun` };
  }
  const gone = new Set(record.removed.map((r) => r.name));
  if (isDataNode(i)) {
    const replicasLeft = cluster.instances.filter((x) => isDataNode(x) && x.name !== host && x.name !== primary && !gone.has(x.name));
    if (replicasLeft.length === 0) return { kind: 'refused', reason: `${host} is the only replica left: without it nothing could take over from ${primary}; add a replica first` };
  }
  const p = status.hosts.find((x) => x.host === primary);
  if (!p?.reachable) return { kind: 'unreachable', reason: `cannot reach the primary ${primary} over SSH (${p?.error ?? 'no answer'}); rerun when it answers` };

  const reachable = h?.reachable === true && h.notReadWithinS === undefined;
  const upstream = isDataNode(i) ? (liveUpstream(status, host, primary) ?? primary) : primary;
  const downstream = isDataNode(i)
    ? status.hosts.filter((d) => d.host !== host && d.live === 'replica' && d.upstream === host && !gone.has(d.host)).map((d) => d.host)
    : [];
  const up = status.hosts.find((x) => x.host === upstream);
  if (downstream.length > 0 && !up?.reachable) return { kind: 'unreachable', reason: `cannot reach ${upstream} over SSH, which ${downstream.join(', ')} would follow; rerun when it answers` };

  const units = [...removal.units(cluster, i)];
  if (hasRole(i, 'pgbouncer')) units.push(PGBOUNCER_SERVICE);
  if (hasRole(i, 'haproxy')) units.push(HAPROXY_SERVICE);
  const slotName = removal.slot(cluster, i);
  const listed = status.fm.from === undefined || status.fm.nodes.some((n) => n.name === host) || removal.unregisterAlways === true;
  return {
    kind: 'remove',
    host,
    node: i.node,
    primary,
    upstream,
    downstream,
    reachable,
    ...(reachable ? {} : { unreachableBecause: h?.error ?? 'no answer' }),
    unregister: listed,
    unreachableOthers: status.hosts.filter((x) => x.host !== host && (!x.reachable || x.notReadWithinS !== undefined)).map((x) => x.host),
    ...(slotName ? { slot: { name: slotName, hosts: [...new Set([upstream, primary])] } } : {}),
    units,
  };
}
