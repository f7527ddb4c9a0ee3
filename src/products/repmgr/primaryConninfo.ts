/**
 * A standby's primary_conninfo verifies its upstream (sslmode=verify-full
 * against the cluster CA) once repmgr writes it from a verifying conninfo:
 * at a clone, a follow or a rejoin. A standby cloned before the servers were
 * verified keeps streaming with a primary_conninfo that only encrypts;
 * deploy rewrites it for the upstream the standby streams from now and
 * reloads (primary_conninfo is reloadable from PostgreSQL 13: the WAL
 * receiver reconnects; before 13 it waits for the next follow or rejoin).
 * Only whether it verifies is read, never the value.
 */
import { literal } from '../postgres/sqlQuote.js';
import { upstreamConninfo } from './commands.js';

/** From this version a changed primary_conninfo takes effect on reload. */
export const PRIMARY_CONNINFO_RELOADS = 13;

/**
 * `t` or `f` on a standby, no row on a primary. repmgr writes values with
 * characters other than letters, digits, `_` and `.` quoted
 * (`sslmode='verify-full'`); m1 writes them bare.
 */
export const PRIMARY_CONNINFO_VERIFIES_SQL =
  "SELECT current_setting('primary_conninfo') ~ 'sslmode=''?verify-full' WHERE pg_is_in_recovery()";

/** Points `me`'s primary_conninfo at `upstream` as repmgr would write it, and reloads. */
export function verifyingPrimaryConninfoSql(upstream: string, me: string): string {
  return `ALTER SYSTEM SET primary_conninfo = ${literal(upstreamConninfo(upstream, me))};\nSELECT pg_reload_conf();\n`;
}
