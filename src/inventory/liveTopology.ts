/**
 * Who is primary and who streams from whom, as the roles need it: the live
 * topology (from facts) wins over config.yml, which is never rewritten. This
 * file holds the small amount of topology logic the roles need, with plain
 * inputs, so the roles do not depend on the inventory's topology module.
 */
import type { Cluster, Instance } from './cluster.js';
import { hasRole, instanceByName, runsPostgres } from './cluster.js';

/** What the facts say about replication right now. */
export interface LiveState {
  /** The host whose Postgres answers pg_is_in_recovery() = false; undefined when none answers. */
  primary?: string;
  /** Each running replica's upstream host now (pg_stat_wal_receiver), by replica name. */
  upstreams: Readonly<Record<string, string>>;
}

/** The state of a cluster that has never been deployed: nothing runs. */
export const NOTHING_LIVE: LiveState = { primary: undefined, upstreams: {} };

/** The roles a host plays now. Postgres roles can differ from config.yml after a failover. */
export type LiveRole = 'primary' | 'replica' | 'witness';

/** The instance config.yml names primary (the root of the configured upstream graph). */
export function configuredPrimary(cluster: Cluster): Instance {
  const primaries = cluster.instances.filter((i) => hasRole(i, 'primary'));
  if (primaries.length !== 1) throw new Error(`cluster ${cluster.name}: expected one primary in config.yml, found ${primaries.length}`);
  return primaries[0]!;
}

/** The primary to act on: the live one when one answers, else config.yml's. */
export function effectivePrimary(cluster: Cluster, live: LiveState): string {
  return live.primary ?? configuredPrimary(cluster).name;
}

function instance(cluster: Cluster, name: string): Instance {
  const i = instanceByName(cluster, name);
  if (!i) throw new Error(`cluster ${cluster.name}: no instance named ${name}`);
  return i;
}

/** The Postgres role a host plays now (undefined for hosts without Postgres). */
export function effectiveRole(cluster: Cluster, live: LiveState, name: string): LiveRole | undefined {
  const i = instance(cluster, name);
  if (!runsPostgres(i, cluster.failoverManager)) return undefined;
  if (hasRole(i, 'witness') && !hasRole(i, 'primary') && !hasRole(i, 'replica')) return 'witness';
  return name === effectivePrimary(cluster, live) ? 'primary' : 'replica';
}

/**
 * The host a replica should stream from:
 * - a replica streaming now keeps its live upstream (never "repaired");
 * - config.yml's primary, when no longer primary, follows the live primary;
 * - a replica configured under config.yml's primary follows the live primary
 *   (config.yml keeps naming the old primary after a failover);
 * - a replica configured under another replica (cascading) keeps it.
 * Undefined for the primary, witnesses and hosts without Postgres.
 */
export function effectiveUpstream(cluster: Cluster, live: LiveState, name: string): string | undefined {
  if (effectiveRole(cluster, live, name) !== 'replica') return undefined;
  const liveUpstream = live.upstreams[name];
  if (liveUpstream !== undefined) return liveUpstream;
  const primary = effectivePrimary(cluster, live);
  const configured = instance(cluster, name).upstream;
  if (configured === undefined || configured === name) return primary;
  if (configured === configuredPrimary(cluster).name) return primary;
  return configured;
}

/** Differences between config.yml and the live topology, as one-line warnings (never repaired). */
export function topologyDrift(cluster: Cluster, live: LiveState): string[] {
  const out: string[] = [];
  const configured = configuredPrimary(cluster).name;
  if (live.primary !== undefined && live.primary !== configured) {
    out.push(`${live.primary} is the primary now; config.yml names ${configured} (config.yml is left as it is)`);
  }
  for (const [replica, upstream] of Object.entries(live.upstreams)) {
    const i = instanceByName(cluster, replica);
    if (!i) continue;
    if (i.upstream === undefined) {
      out.push(`${replica} streams from ${upstream}; config.yml names it primary`);
    } else if (upstream !== i.upstream) {
      out.push(`${replica} streams from ${upstream}; config.yml says ${i.upstream}`);
    }
  }
  return out;
}
