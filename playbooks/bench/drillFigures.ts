/** Figures bench:drill derives from a drill's report. Pure. */
import type { DrillReport } from '../drill/report.js';

/**
 * How long after the promotion the slowest write entry point that followed
 * did, seconds (null: no promotion, or none followed). Entry points that
 * never followed (a PgBouncer on the struck host) are the report's to show.
 */
export function followAfterPromoteS(r: Pick<DrillReport, 'promote_s' | 'entry_points'>, writePorts: readonly number[]): number | null {
  if (r.promote_s === null) return null;
  const follows = r.entry_points.filter((e) => writePorts.includes(e.port) && e.follow_s !== null).map((e) => e.follow_s! - r.promote_s!);
  return follows.length ? Math.round(Math.max(...follows) * 1000) / 1000 : null;
}
