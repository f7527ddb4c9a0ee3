/**
 * A guard for the roles that send traffic or backups to "the primary"
 * (PgBouncer, Barman): when more than one data node runs as primary (an old
 * primary came back after a failover, still writable), picking either could
 * send writes or backups to the wrong one. Then these roles keep whatever
 * they point at now and refuse to move it, saying how to resolve the split.
 * Seen in a real run: after a failover, provision restarted the stopped old
 * primary's container and it came back as a second primary.
 */
import { hasRole, type Cluster } from '../inventory/cluster.js';

/** What the guard reads: the cluster and, per instance, what its Postgres answered before the run. */
export interface PrimaryEvidence {
  cluster: Cluster;
  hosts: Readonly<Record<string, { postgresRunning: boolean; inRecovery?: boolean } | undefined>>;
}

/** Data nodes whose Postgres answered "not in recovery" before the run, sorted. */
export function runningPrimaries(ctx: PrimaryEvidence): string[] {
  return ctx.cluster.instances
    .filter((i) => hasRole(i, 'primary') || hasRole(i, 'replica'))
    .filter((i) => {
      const f = ctx.hosts[i.name];
      return f !== undefined && f.postgresRunning && f.inRecovery === false;
    })
    .map((i) => i.name)
    .sort();
}

/**
 * Undefined when `what` may move from `current` to `wanted`; else the
 * one-line reason it must not (several primaries and a move requested).
 */
export function splitPrimaryRefusal(ctx: PrimaryEvidence, what: string, current: string | undefined, wanted: string): string | undefined {
  const primaries = runningPrimaries(ctx);
  if (primaries.length < 2 || current === wanted) return undefined;
  return (
    `several hosts run as primary (${primaries.join(', ')}): not moving ${what} ` +
    `${current ? `from ${current} ` : ''}to ${wanted}; make all but the real primary replicas ` +
    `(e.g. \`repmgr node rejoin\` on the old primary), then deploy again`
  );
}
