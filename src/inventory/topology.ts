/**
 * The replication topology of a Cluster: who streams from whom, in which
 * order hosts can be converged, and the tree configure/validate print.
 * Pure functions; safe on hand-edited (even cyclic) upstream graphs.
 */
import { M1Error } from '../errors.js';
import { displayText } from './displayText.js';
import { ExitCode } from '../exitCodes.js';
import { hasRole, instanceByName, type Cluster, type Instance, type Role } from './cluster.js';

/** The instance `name` streams from (its configured upstream), if any. */
export function upstreamOf(cluster: Cluster, name: string): Instance | undefined {
  const i = instanceByName(cluster, name);
  return i?.upstream === undefined ? undefined : instanceByName(cluster, i.upstream);
}

/**
 * The root of `name`'s upstream chain (TPA's upstream_root): the instance
 * reached by following `upstream` until one has none. On a cycle (possible in a
 * stale config after a failover) the answer is the cycle's primary if it has
 * one, else its lowest-numbered node, so callers never loop.
 */
export function upstreamRoot(cluster: Cluster, name: string): string {
  const seen: string[] = [];
  let cur = instanceByName(cluster, name);
  if (!cur) return name;
  while (cur.upstream !== undefined && !seen.includes(cur.name)) {
    seen.push(cur.name);
    const next = instanceByName(cluster, cur.upstream);
    if (!next) return cur.name;
    cur = next;
  }
  if (cur.upstream === undefined) return cur.name;
  const cycle = seen.slice(seen.indexOf(cur.name)).map((n) => instanceByName(cluster, n)!);
  const primary = cycle.find((i) => hasRole(i, 'primary'));
  if (primary) return primary.name;
  return cycle.reduce((a, b) => (b.node < a.node ? b : a)).name;
}

/** The configured primary. Throws if there is none (a loaded Cluster always has exactly one). */
export function primaryOf(cluster: Cluster): Instance {
  const p = cluster.instances.find((i) => hasRole(i, 'primary'));
  if (!p) throw new M1Error(`cluster ${cluster.name} has no instance with role primary`, ExitCode.BadInput);
  return p;
}

/**
 * The Barman instance that backs up `name` (its `backup`, else its upstream
 * root's); without a name, the one backing up the primary, else the first
 * barman instance.
 */
export function barmanOf(cluster: Cluster, name?: string): Instance | undefined {
  const target = name ?? cluster.instances.find((i) => hasRole(i, 'primary'))?.name;
  if (target !== undefined) {
    const i = instanceByName(cluster, target);
    const via = i?.backup ?? instanceByName(cluster, upstreamRoot(cluster, target))?.backup;
    const b = via === undefined ? undefined : instanceByName(cluster, via);
    if (b && hasRole(b, 'barman')) return b;
    if (name !== undefined) return undefined;
  }
  return cluster.instances.find((i) => hasRole(i, 'barman'));
}

/** Direct replicas of `name` (instances whose upstream it is and that stream: replicas). */
export function replicasOf(cluster: Cluster, name: string): Instance[] {
  return cluster.instances.filter((i) => i.upstream === name && hasRole(i, 'replica'));
}

/** Postgres streaming depth: 0 for the primary, 1 for its replicas, 2 for cascaded... */
function depths(cluster: Cluster): Map<string, number> {
  const depth = new Map<string, number>();
  const primaries = cluster.instances.filter((i) => hasRole(i, 'primary'));
  let frontier = primaries.map((p) => p.name);
  for (const p of frontier) depth.set(p, 0);
  for (let d = 1; frontier.length > 0 && d <= cluster.instances.length; d++) {
    const next: string[] = [];
    for (const i of cluster.instances) {
      if (depth.has(i.name) || i.upstream === undefined || !frontier.includes(i.upstream)) continue;
      depth.set(i.name, d);
      next.push(i.name);
    }
    frontier = next;
  }
  return depth;
}

/**
 * Instance names grouped in the order hosts can be converged; hosts within a
 * stage are independent and may run in parallel:
 *   1. the primary, and the etcd nodes (no upstream; Patroni needs its DCS first);
 *   2. the primary's direct replicas, plus Barman, witnesses and HAProxy
 *      (they need the primary up, nothing more);
 *   3... cascaded replicas, each stage after the stage of its upstream.
 * Instances whose upstream chain never reaches the primary (a cycle) come last.
 */
export function deployStages(cluster: Cluster): string[][] {
  const depth = depths(cluster);
  const stageOf = (i: Instance): number => {
    if (hasRole(i, 'primary') || (hasRole(i, 'etcd') && i.upstream === undefined)) return 0;
    const d = depth.get(i.name);
    if (d !== undefined) return d;
    if (i.upstream === undefined) return 1;
    return Infinity;
  };
  const byStage = new Map<number, string[]>();
  for (const i of [...cluster.instances].sort((a, b) => a.node - b.node)) {
    const s = stageOf(i);
    byStage.set(s, [...(byStage.get(s) ?? []), i.name]);
  }
  return [...byStage.keys()].sort((a, b) => a - b).map((s) => byStage.get(s)!);
}

const ROLE_ORDER: Role[] = ['primary', 'replica', 'barman', 'witness', 'etcd', 'haproxy'];

function category(i: Instance): number {
  const idx = ROLE_ORDER.findIndex((r) => hasRole(i, r));
  return idx === -1 ? ROLE_ORDER.length : idx;
}

function describe(cluster: Cluster, i: Instance): string {
  const parts = [i.name, i.roles.join(', '), `node ${i.node}`];
  if (i.ipAddress) parts.push(i.ipAddress);
  if (i.backup) parts.push(`backed up by ${i.backup}`);
  const streams = hasRole(i, 'replica') || hasRole(i, 'primary');
  if (i.upstream !== undefined) {
    const up = instanceByName(cluster, i.upstream);
    const elsewhere = up && up.location !== i.location ? ` (${up.location})` : '';
    if (!streams) parts.push(`upstream ${i.upstream}${elsewhere}`);
    else if (elsewhere) parts.push(`<- ${i.upstream}${elsewhere}`);
  }
  return parts.join('  ');
}

/**
 * The topology as a tree, by location: the primary with its replicas and
 * cascaded replicas nested under their upstream, then Barman, witnesses,
 * etcd and HAProxy. A replica whose upstream is in another location heads
 * its own branch, marked "<- upstream (location)".
 */
export function renderTopologyTree(cluster: Cluster): string {
  const net = cluster.dockerNetwork ? ` ${cluster.dockerNetwork.subnet}` : '';
  const lines = [
    `${cluster.name}  M1, PostgreSQL ${cluster.postgresVersion}, ${cluster.failoverManager}, ${cluster.platform}${net}`,
  ];
  const sorted = [...cluster.instances].sort((a, b) => category(a) - category(b) || a.node - b.node);
  const shown = new Set<string>();

  const children = (parent: Instance): Instance[] =>
    sorted.filter((c) => c.upstream === parent.name && c.location === parent.location && hasRole(c, 'replica') && c.name !== parent.name);

  const branch = (i: Instance, prefix: string, last: boolean): void => {
    if (shown.has(i.name)) return; // cycles are shown once
    shown.add(i.name);
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}${describe(cluster, i)}`);
    const kids = children(i).filter((k) => !shown.has(k.name));
    kids.forEach((k, n) => branch(k, prefix + (last ? '   ' : '│  '), n === kids.length - 1));
  };

  const locationNames = cluster.locations.map((l) => l.name);
  for (const i of cluster.instances) if (!locationNames.includes(i.location)) locationNames.push(i.location);
  locationNames.forEach((loc, n) => {
    const lastLoc = n === locationNames.length - 1;
    lines.push(`${lastLoc ? '└─ ' : '├─ '}${loc}`);
    const prefix = lastLoc ? '   ' : '│  ';
    const here = sorted.filter((i) => i.location === loc);
    // Heads: everything not nested under a same-location replica parent.
    const heads = here.filter((i) => {
      if (!hasRole(i, 'replica') || i.upstream === undefined) return true;
      const up = instanceByName(cluster, i.upstream);
      return !up || up.location !== loc || up.name === i.name;
    });
    // Members of a same-location upstream cycle hang under no head: show them as heads.
    const reachable = new Set<string>();
    const visit = (i: Instance): void => {
      if (reachable.has(i.name)) return;
      reachable.add(i.name);
      children(i).forEach(visit);
    };
    heads.forEach(visit);
    for (const i of here) {
      if (!reachable.has(i.name)) {
        heads.push(i);
        visit(i);
      }
    }
    if (here.length === 0) lines.push(`${prefix}└─ (no instances)`);
    heads.forEach((h, k) => branch(h, prefix, k === heads.length - 1));
  });
  // Names come from config.yml: a control character in one must not reach the terminal.
  return lines.map(displayText).join('\n');
}
