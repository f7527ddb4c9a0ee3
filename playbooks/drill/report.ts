/** The drill's report: its JSON fields (names a script can rely on), its exit status, its table. Pure. */
import type { Scenario } from './scenarios.js';
import type { EntryPointFollow } from './timeline.js';

export interface DrillReport {
  scenario: Scenario;
  /** How the fault was made: docker-kill, sigkill (bare), nftables, iptables or ip-route (partitions). */
  method: string;
  /** Seconds from the fault until the drill saw the struck host change (null: it never did). */
  detect_s: number | null;
  /** Until another data node first took writes (null: none did). */
  promote_s: number | null;
  /** Until a cut-off primary stopped taking writes (null: no fence needed, or none came). */
  fence_s: number | null;
  /** Per entry point: until every attempt through it succeeded (writes: on the final primary). */
  entry_points: EntryPointFollow[];
  acked_writes: number;
  /** Acknowledged rows missing on the final primary. */
  acked_lost: number;
  /** The transaction ids those lost writes returned to their clients. */
  acked_lost_xids: string[];
  /** Transaction ids a rewind discarded: null until deploy reports them. */
  rewound_xids: string[] | null;
  /** Overlap of two nodes' writable intervals, seconds. */
  split_brain_s: number;
  /** From undoing the fault until `m1 test` passed (or gave up). */
  heal_s: number;
  healthy_after: boolean;
}

/** 1 when two nodes took writes at once, when acknowledged rows were lost under synchronous replication, or when not healthy after. */
export function drillExitCode(r: DrillReport, synchronousReplication: boolean): { exitCode: 0 | 1; failures: string[] } {
  const failures: string[] = [];
  if (r.split_brain_s > 0) failures.push(`two nodes took writes at once for ${r.split_brain_s} s`);
  if (synchronousReplication && r.acked_lost > 0) failures.push(`${r.acked_lost} acknowledged writes lost with synchronous replication on`);
  if (!r.healthy_after) failures.push('the cluster is not healthy after healing');
  return { exitCode: failures.length ? 1 : 0, failures };
}

/** The transactions of acknowledged, lost writes that no rewind report named (all of them when none was reported). */
export function unreportedLoss(r: Pick<DrillReport, 'acked_lost_xids' | 'rewound_xids'>): string[] {
  const named = new Set(r.rewound_xids ?? []);
  return r.acked_lost_xids.filter((x) => !named.has(x));
}

/**
 * The documented bound: every entry point on a surviving host sends its
 * clients to the new primary within this many seconds of the promotion
 * (repmgr's promote_command repoints each PgBouncer; HAProxy's checks of
 * Patroni's REST API rise): its `reached_s`. Measured 1.1-2.7 s on this
 * machine.
 */
export const FOLLOW_WITHIN_S = 5;

/**
 * The entry points, on hosts other than the struck one (whose PgBouncer is
 * dead or fenced), that did not send a client to the new primary within
 * `withinS` of the promotion (all of them when nothing was promoted). One
 * that never failed (reached_s 0) did.
 */
export function lateEntryPoints(r: Pick<DrillReport, 'promote_s' | 'entry_points'>, struck: string | undefined, withinS = FOLLOW_WITHIN_S): EntryPointFollow[] {
  const survivors = r.entry_points.filter((e) => e.host !== struck);
  if (r.promote_s === null) return survivors;
  return survivors.filter((e) => e.reached_s === null || e.reached_s > r.promote_s! + withinS);
}

const sec = (x: number | null) => (x === null ? '-' : `${x.toFixed(1)} s`);

export function renderDrill(r: DrillReport): string {
  const rows: [string, string][] = [
    ['scenario', `${r.scenario} (${r.method})`],
    ['detected', sec(r.detect_s)],
    ['fenced', sec(r.fence_s)],
    ['promoted', sec(r.promote_s)],
    ...r.entry_points.map((e): [string, string] => [
      `entry point ${e.host}:${e.port}`,
      e.follow_s === null ? 'never worked again' : `follows at ${sec(e.follow_s)}${e.reached_s !== null && e.reached_s < e.follow_s ? ` (first on the new primary at ${sec(e.reached_s)})` : ''}`,
    ]),
    ['acknowledged writes', String(r.acked_writes)],
    ['acknowledged, then lost', String(r.acked_lost)],
    ['rewound transactions', r.rewound_xids === null ? 'not reported' : r.rewound_xids.join(', ') || 'none'],
    ...(r.acked_lost_xids.length ? [['lost writes not in the rewind report', unreportedLoss(r).join(', ') || 'none'] as [string, string]] : []),
    ['split brain', sec(r.split_brain_s)],
    ['healed in', sec(r.heal_s)],
    ['healthy after', r.healthy_after ? 'yes' : 'NO'],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n') + '\n';
}
