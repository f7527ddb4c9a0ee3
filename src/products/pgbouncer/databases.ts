/**
 * pgbouncer.databases.ini: where PgBouncer sends clients, i.e. the primary.
 *
 * ONE function renders it, used by deploy (with the live primary) and, at
 * deploy time, to write each node's promote hook (with that node as the
 * primary). After a promotion the hook has written exactly what deploy would
 * write, so a redeploy after a failover finds nothing to change.
 */
import type { Cluster } from '../../inventory/cluster.js';
import { clusterVar } from '../../config/vars.js';
import { VARIABLES, type PgbouncerDatabase } from '../../config/variables.js';
import { POSTGRES_PORT } from '../postgres/layout.js';
import { AUTH_USER } from './layout.js';

export type { PgbouncerDatabase };

export const DEFAULT_DATABASES: readonly PgbouncerDatabase[] = VARIABLES.pgbouncer_databases.default;

/** `pgbouncer_databases` from cluster_vars: a list of names or {name, options} (its spec checks names and options). */
export function pgbouncerDatabases(cluster: Cluster): PgbouncerDatabase[] {
  return clusterVar(cluster, 'pgbouncer_databases');
}

/** One `[databases]` line pointing at `primary`. */
export function databaseLine(db: PgbouncerDatabase, primary: string, port: number = POSTGRES_PORT): string {
  const extra = Object.keys(db.options)
    .sort()
    .map((k) => `${k}=${db.options[k]}`);
  return [`${db.name} = host=${primary} port=${port} auth_user=${AUTH_USER}`, ...extra].join(' ');
}

/** The whole pgbouncer.databases.ini for a primary: what deploy writes and what the promote hook writes. */
export function databasesIni(databases: readonly PgbouncerDatabase[], primary: string, port: number = POSTGRES_PORT): string {
  return [
    '; Written by m1 (deploy, or the repmgr promote hook on a failover): where clients go.',
    ...databases.map((db) => databaseLine(db, primary, port)),
    '',
  ].join('\n');
}

/** The primary a databases file points at (first `host=`), for status and drift checks. */
export function databasesTarget(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (/^\s*[;#]/.test(line)) continue;
    const m = /\bhost=([^\s]+)/.exec(line);
    if (m) return m[1];
  }
  return undefined;
}
