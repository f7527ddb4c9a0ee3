/**
 * ~postgres/.pgpass (0600): the passwords the postgres OS user needs to reach
 * other nodes: repmgr (its commands, repmgrd, and the walreceiver, whose
 * primary_conninfo repmgr writes with user=repmgr and passfile=), replication
 * and the postgres superuser. Host `*`: a failover or switchover must not
 * need a new line for the new primary.
 */
import { pgpassFile, type PgpassEntry } from '../system/pgpass.js';
import { POSTGRES_HOME } from './layout.js';

export const POSTGRES_PGPASS = `${POSTGRES_HOME}/.pgpass`;

export type PostgresPgpassUser = 'postgres' | 'repmgr' | 'replication';

/** Users in sorted order, so the file is the same on every run. */
export function postgresPgpass(passwords: Readonly<Partial<Record<PostgresPgpassUser, string>>>): string {
  const entries: PgpassEntry[] = (Object.keys(passwords) as PostgresPgpassUser[])
    .sort()
    .map((user) => ({ host: '*', port: '*', database: '*', user, password: passwords[user]! }));
  return pgpassFile(entries);
}
