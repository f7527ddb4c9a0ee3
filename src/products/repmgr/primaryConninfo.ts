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

/** `t` or `f` on a standby, no row on a primary. */
export const PRIMARY_CONNINFO_VERIFIES_SQL =
  "SELECT position('sslmode=verify-full' in current_setting('primary_conninfo')) > 0 WHERE pg_is_in_recovery()";

/** Points `me`'s primary_conninfo at `upstream` as repmgr would write it, and reloads. */
export function verifyingPrimaryConninfoSql(upstream: string, me: string): string {
  return `ALTER SYSTEM SET primary_conninfo = ${literal(upstreamConninfo(upstream, me))};\nSELECT pg_reload_conf();\n`;
}
