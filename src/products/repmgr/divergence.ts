/**
 * A running standby whose WAL left the live primary's history: after a
 * failover it received WAL the new primary never had (typically the cut-off
 * old primary's, when that came back before the standby followed the new
 * one). It cannot stream from the live primary again (its WAL receiver stays
 * in "startup", repmgr's standby register times out); only a rewind brings
 * it back. Read on the standby, as root, only when its WAL receiver is not
 * on the live primary's timeline (a streaming standby costs nothing):
 *   - the timelines of the WAL segments in its pg_wal (a standby that
 *     received anything on a timeline holds a segment of it; a timeline's
 *     history file alone, fetched by a receiver that then failed, does not
 *     count);
 *   - its replay position;
 *   - the live primary's timeline and history (where each older timeline
 *     ends), read now.
 * It has diverged when its newest timeline is not the primary's and either
 * the primary's history does not pass through that timeline or the standby
 * replayed WAL past the point where the primary's history left it.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { DATA_DIR } from '../postgres/layout.js';
import { parseLsn } from '../postgres/lsn.js';
import { localPsql, remotePsql } from '../postgres/run.js';
import { repmgrDsn } from './conninfo.js';
import { PRIMARY_HISTORY_SQL } from './rewindReport.js';
import { segmentTimelinesShell } from '../postgres/walTimeline.js';

const LSN_SQL = "SELECT coalesce(pg_last_wal_receive_lsn()::text, '') || '|' || coalesce(pg_last_wal_replay_lsn()::text, '')";

/** The read, on the standby: three tagged lines, then the primary's history. Never fails: a missing part reads as empty. */
export function divergenceReadCommand(r: { version: PostgresVersion; primary: string }): string {
  return [
    `echo "segments: $(${segmentTimelinesShell(quote(`${DATA_DIR}/pg_wal`))} | tr '\\n' ' ')"`,
    `echo "positions: $(${localPsql(r.version, 'postgres', `-c ${quote(LSN_SQL)}`)} 2>/dev/null)"`,
    // The primary's timeline and history read now: deploy's facts may be older than a failover during the run.
    'echo "history:"',
    `${remotePsql(r.version, `${repmgrDsn(r.primary)} connect_timeout=10`, `-c ${quote(PRIMARY_HISTORY_SQL)}`)} 2>/dev/null`,
    'true',
  ].join('\n');
}

export interface DivergenceInput {
  /** The live primary's timeline, read with its history; undefined when it did not answer as a primary. */
  primaryTimeline?: number;
  /** Timelines of the WAL segments the standby holds. */
  segmentTimelines: number[];
  receiveLsn?: string;
  replayLsn?: string;
  /** The live primary's history: each ancestor timeline and where the primary left it. */
  history: Array<{ timeline: number; forkLsn: string }>;
}

export function parseDivergenceRead(stdout: string): DivergenceInput {
  const lines = stdout.split('\n');
  const value = (tag: string) => lines.find((l) => l.startsWith(`${tag}:`))?.slice(tag.length + 1).trim() ?? '';
  const segmentTimelines = value('segments')
    .split(/\s+/)
    .filter((t) => /^[0-9A-F]{8}$/.test(t))
    .map((t) => parseInt(t, 16));
  const [receive, replay] = value('positions').split('|').map((p) => p.trim());
  const at = lines.findIndex((l) => l === 'history:');
  const tl = /^timeline: (\d+)$/.exec(lines[at + 1] ?? '');
  const history = (at < 0 || !tl ? [] : lines.slice(at + 2))
    .map((l) => /^(\d+)\s+([0-9A-Fa-f]+\/[0-9A-Fa-f]+)/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ timeline: Number(m[1]), forkLsn: m[2]! }));
  return {
    ...(tl ? { primaryTimeline: Number(tl[1]) } : {}),
    segmentTimelines,
    ...(receive ? { receiveLsn: receive } : {}),
    ...(replay ? { replayLsn: replay } : {}),
    history,
  };
}

export type Divergence = { diverged: false } | { diverged: true; why: string };

/**
 * Whether the standby must be rewound to follow the live primary. Decided on
 * what the standby REPLAYED: PostgreSQL follows a new timeline when its replay
 * position is at or before the fork, whatever it received past it (after a
 * crash every standby may hold the same partial record the promoted one cut
 * off). Anything not read (the primary's timeline, its history, the standby's
 * segments or replay position) decides nothing: not diverged.
 */
export function standbyDivergence(s: DivergenceInput): Divergence {
  const primaryTimeline = s.primaryTimeline;
  if (primaryTimeline === undefined || s.segmentTimelines.length === 0) return { diverged: false };
  const mine = Math.max(...s.segmentTimelines);
  if (mine === primaryTimeline) return { diverged: false };
  if (mine > primaryTimeline) return { diverged: true, why: `it holds WAL of timeline ${mine}, newer than the primary's timeline ${primaryTimeline}` };
  if (s.history.length === 0) return { diverged: false };
  const fork = s.history.find((h) => h.timeline === mine);
  if (!fork) {
    // A history begun without its parent's file lists only the later timelines: an older one is unknown, not foreign.
    if (mine < Math.min(...s.history.map((h) => h.timeline))) return { diverged: false };
    return { diverged: true, why: `its timeline ${mine} is not in the history of the primary's timeline ${primaryTimeline}` };
  }
  const replayed = parseLsn(s.replayLsn);
  const forkAt = parseLsn(fork.forkLsn);
  if (replayed === undefined || forkAt === undefined || replayed <= forkAt) return { diverged: false };
  return { diverged: true, why: `it replayed WAL of timeline ${mine} up to ${s.replayLsn}, past ${fork.forkLsn} where the primary's timeline ${primaryTimeline} left it` };
}
