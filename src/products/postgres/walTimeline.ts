/**
 * Timelines as PostgreSQL names them in WAL file names: the first 8 hex
 * digits of a segment's name are its timeline.
 */

/** SQL: the timeline of the WAL a primary writes now (pg_control's lags after a promotion until a checkpoint). */
export const CURRENT_TIMELINE_SQL = "('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int";

/**
 * Shell: the timelines (8 hex digits) of the WAL segments in `walDir`, sorted,
 * one per line; history, .partial and .backup files left out.
 */
export function segmentTimelinesShell(walDir: string): string {
  return `ls ${walDir} 2>/dev/null | sed -n 's/^\\([0-9A-F]\\{8\\}\\)[0-9A-F]\\{16\\}$/\\1/p' | sort -u`;
}
