/**
 * pgbouncer.databases.ini: where PgBouncer sends clients, i.e. the primary.
 *
 * ONE function renders it, used by deploy (with the live primary) and, at
 * deploy time, to write each node's promote hook (with that node as the
 * primary). After a promotion the hook has written exactly what deploy would
 * write, so a redeploy after a failover finds nothing to change.
 */
import type { Cluster } from '../../inventory/cluster.js';
import { findVar, varError } from '../../config/vars.js';
import { POSTGRES_PORT } from '../postgres/layout.js';
import { AUTH_USER } from './layout.js';

export interface PgbouncerDatabase {
  /** Name clients ask for; `*` matches any (TPA's default single entry). */
  name: string;
  /** Extra libpq/PgBouncer options (dbname, pool_size...); host, port and auth_user are m1's. */
  options: Readonly<Record<string, string | number>>;
}

export const DEFAULT_DATABASES: readonly PgbouncerDatabase[] = [{ name: '*', options: {} }];

const RESERVED = new Set(['host', 'port', 'auth_user']);

/** `pgbouncer_databases` from cluster_vars: a list of names or {name, options}. */
export function pgbouncerDatabases(cluster: Cluster): PgbouncerDatabase[] {
  const found = findVar(cluster, undefined, 'pgbouncer_databases');
  if (!found) return [...DEFAULT_DATABASES];
  if (!Array.isArray(found.value)) throw varError(cluster, found.path, 'expected a list of database names or {name, options}');
  return found.value.map((item, idx) => {
    const path = `${found.path}[${idx}]`;
    const entry = typeof item === 'string' ? { name: item, options: {} } : item;
    if (typeof entry !== 'object' || entry === null || typeof (entry as { name?: unknown }).name !== 'string') {
      throw varError(cluster, path, 'expected a database name or {name, options}');
    }
    const { name, options = {} } = entry as { name: string; options?: Record<string, unknown> };
    if (!/^(\*|[A-Za-z0-9_.-]+)$/.test(name)) throw varError(cluster, `${path}.name`, `${JSON.stringify(name)} is not a database name`);
    const opts: Record<string, string | number> = {};
    for (const [k, v] of Object.entries(options)) {
      if (RESERVED.has(k)) throw varError(cluster, `${path}.options.${k}`, `${k} is set by m1 (it follows the primary)`);
      if (!/^[a-z_]+$/.test(k) || (typeof v !== 'string' && typeof v !== 'number') || /[\s'"]/.test(String(v))) {
        throw varError(cluster, `${path}.options.${k}`, 'expected a plain option name and a value without spaces or quotes');
      }
      opts[k] = v;
    }
    return { name, options: opts };
  });
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
