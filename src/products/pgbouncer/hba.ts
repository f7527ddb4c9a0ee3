/**
 * PgBouncer's own hba file (auth_type hba). userlist.txt's users are checked
 * by PgBouncer itself, not through auth_query, so pgbouncer_get_auth()'s
 * refusals do not cover them: without this file a client holding
 * pgbouncer_auth_user's password could log in through 6432 and read every
 * verifier the function returns. Here the admin console user, m1's service
 * users and superusers are refused over TCP (the admin console stays on the
 * host's socket); every other client gets in over TLS with SCRAM from
 * postgres_client_networks, like pg_hba.conf's client lines.
 *
 * PgBouncer 1.18 ignores a line it cannot parse (a warning in its log), so
 * only what it parses is written: quoted names, address/prefix, and the
 * methods reject and scram-sha-256. Each user is quoted because 1.18 reads
 * the user column with the database column's keywords: a bare `replication`
 * there drops the whole line ("replication is not supported"), and with it
 * every refusal on it.
 */
import type { Cluster } from '../../inventory/cluster.js';
import { clientNetworks, insideOnlyUsers } from '../postgres/hba.js';
import { ADMIN_USER, PGBOUNCER_DIR } from './layout.js';

export const PGBOUNCER_HBA = `${PGBOUNCER_DIR}/pgbouncer_hba.conf`;

/** A user name as PgBouncer's hba reads it literally, never as a keyword (names m1 accepts hold no `"`). */
function quoted(name: string): string {
  return `"${name}"`;
}

export function pgbouncerHba(cluster: Cluster): string {
  const refused = [...new Set([ADMIN_USER, ...insideOnlyUsers(cluster)])].map(quoted).join(',');
  const lines = [
    '# PgBouncer hba, written by m1 on every deploy (edits here are lost).',
    '# TYPE  DATABASE  USER  ADDRESS  METHOD',
    `local   all  ${quoted(ADMIN_USER)}  scram-sha-256`,
    ...['0.0.0.0/0', '::/0'].map((a) => `host    all  ${refused}  ${a}  reject`),
    ...clientNetworks(cluster).map((a) => `hostssl all  all  ${a}  scram-sha-256`),
  ];
  return lines.join('\n') + '\n';
}
