/**
 * The data nodes' stages in the order of the LIVE replication topology:
 * the primary, then its replicas and the witness in parallel, then cascaded
 * replicas level by level. Each host waits for the primary and for its
 * upstream, so a host whose upstream failed sits the later stages out.
 * Used by the failover managers whose data nodes deploy does in this order
 * (repmgr, EFM).
 */
import type { DeployContext } from '../context.js';
import type { Role, Stage } from '../../src/engine/index.js';
import { runsPostgres, type Cluster } from '../../src/inventory/cluster.js';
import { effectivePrimary, effectiveRole, effectiveUpstream, type LiveState } from '../../src/inventory/liveTopology.js';

/** Postgres hosts by streaming level from the live primary: [primary], [its replicas + witnesses], [cascaded]... */
export function postgresLevels(cluster: Cluster, live: LiveState): string[][] {
  const primary = effectivePrimary(cluster, live);
  const pg = cluster.instances.filter((i) => runsPostgres(i, cluster.failoverManager)).sort((a, b) => a.node - b.node);
  const level = new Map<string, number>([[primary, 0]]);
  for (const w of pg) if (effectiveRole(cluster, live, w.name) === 'witness') level.set(w.name, 1);
  for (let d = 1; d <= pg.length; d++) {
    for (const i of pg) {
      if (level.has(i.name)) continue;
      const up = effectiveUpstream(cluster, live, i.name);
      if (up !== undefined && level.get(up) === d - 1) level.set(i.name, d);
    }
  }
  // Anything left (an upstream cycle in a hand-edited config) comes last.
  const last = Math.max(0, ...level.values()) + 1;
  for (const i of pg) if (!level.has(i.name)) level.set(i.name, last);
  const levels: string[][] = [];
  for (const i of pg) (levels[level.get(i.name)!] ??= []).push(i.name);
  return levels.filter((l) => l && l.length > 0);
}

/** One stage per level, named 'primary', 'replicas', 'cascaded replicas (level N)', each running `roles`. */
export function levelStages(ctx: DeployContext, roles: Role[]): Stage[] {
  const cluster = ctx.cluster;
  const primary = effectivePrimary(cluster, ctx.live);
  const upstreamOf = (h: string): string[] => {
    const up = effectiveUpstream(cluster, ctx.live, h);
    return [...new Set([primary, ...(up ? [up] : [])])].filter((x) => x !== h);
  };
  return postgresLevels(cluster, ctx.live).map((hosts, n) => ({
    name: n === 0 ? 'primary' : n === 1 ? 'replicas' : `cascaded replicas (level ${n})`,
    hosts,
    roles,
    dependsOn: upstreamOf,
  }));
}
