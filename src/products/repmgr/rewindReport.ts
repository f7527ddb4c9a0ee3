/**
 * What a rejoin is about to discard, said before pg_rewind runs: a former
 * primary that took writes after the cluster moved on (cut off before its
 * fence, or with no fence) holds WAL the new primary never saw. The report
 * names the fork point (the new primary's timeline history: where it left
 * this node's timeline), the bytes of WAL written past it here, the
 * transaction ids committed there (pg_waldump), and copies those WAL
 * segments to a directory of their own before the rewind recycles them, so
 * a DBA can still read them. Best effort: a report it cannot make is said in
 * one line and never stops the rejoin.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { DATA_DIR, POSTGRES_HOME, binDir } from '../postgres/layout.js';
import { remotePsql } from '../postgres/run.js';
import { repmgrDsn } from './conninfo.js';
import { CURRENT_TIMELINE_SQL, segmentTimelinesShell } from '../postgres/walTimeline.js';

/** Where a rejoined node keeps the WAL a rewind discarded, one directory per rejoin. */
export const REWOUND_WAL_DIR = `${POSTGRES_HOME}/m1-rewound`;

/** The line the report begins with (deploy and the drill read it). */
export const REWIND_REPORT_PREFIX = 'm1: rewind report:';

/**
 * On the live primary: `timeline: N`, then the history of that timeline (none
 * on timeline 1: the file does not exist). A server in recovery answers
 * nothing (pg_current_wal_lsn() fails there).
 */
export const PRIMARY_HISTORY_SQL =
  `SELECT 'timeline: ' || tl || E'\\n' || coalesce(pg_read_file('pg_wal/' || lpad(upper(to_hex(tl)), 8, '0') || '.history', 0, 1048576, true), '') ` +
  `FROM (SELECT ${CURRENT_TIMELINE_SQL} AS tl) t`;

export interface RewindReportInput {
  version: PostgresVersion;
  me: string;
  primary: string;
}

/** A shell function `report_rewind` (run as root, Postgres stopped); call it before the rewind. */
export function rewindReportFunction(r: RewindReportInput): string {
  const bin = binDir(r.version);
  const d = quote(DATA_DIR);
  return `report_rewind() {
  lsn_num() { echo $(( (0x\${1%/*} << 32) + 0x\${1#*/} )); }
  # The newest timeline this node holds WAL of (pg_control's checkpoint timeline lags on a standby that followed one).
  mytl=$(${segmentTimelinesShell(`${d}/pg_wal`)} | tail -n 1)
  if [ -n "$mytl" ]; then mytl=$((0x$mytl)); else mytl=$(LC_ALL=C ${bin}/pg_controldata -D ${d} 2>/dev/null | sed -n "s/^Latest checkpoint's TimeLineID: *//p"); fi
  [ -n "$mytl" ] || { echo "${REWIND_REPORT_PREFIX} cannot read ${r.me}'s pg_control; nothing reported"; return 0; }
  hist=$(${remotePsql(r.version, `${repmgrDsn(r.primary)} connect_timeout=10`, `-c ${quote(PRIMARY_HISTORY_SQL)}`)} 2>/dev/null)
  fork=$(printf '%s\\n' "$hist" | awk -v t="$mytl" '$1 == t { print $2 }' | tail -n 1)
  if [ -z "$fork" ]; then echo "${REWIND_REPORT_PREFIX} ${r.primary}'s timeline history does not leave timeline $mytl: nothing of ${r.me}'s is discarded"; return 0; fi
  dump=$(${bin}/pg_waldump -p ${d}/pg_wal -t "$mytl" -s "$fork" 2>/dev/null)
  xids=$(printf '%s\\n' "$dump" | sed -n 's/.*tx: *\\([0-9][0-9]*\\), lsn: .*desc: COMMIT.*/\\1/p' | grep -v '^0$' | sort -un | tr '\\n' ' ' | sed 's/ $//')
  last=$(printf '%s\\n' "$dump" | sed -n 's/.*lsn: \\([0-9A-F]*\\/[0-9A-F]*\\),.*/\\1/p' | tail -n 1)
  bytes=0
  if [ -n "$last" ]; then bytes=$(( $(lsn_num "$last") - $(lsn_num "$fork") )); [ "$bytes" -ge 0 ] || bytes=0; fi
  tlhex=$(printf '%08X' "$mytl")
  seg=$(printf '%s%08X%08X' "$tlhex" "0x\${fork%/*}" $(( 0x\${fork#*/} / 16777216 )))
  keep=${quote(REWOUND_WAL_DIR)}/$(date -u +%Y%m%dT%H%M%SZ)-from-tl$mytl
  mkdir -p "$keep" && chown postgres:postgres ${quote(REWOUND_WAL_DIR)} "$keep" && chmod 0700 ${quote(REWOUND_WAL_DIR)} "$keep" || { echo "${REWIND_REPORT_PREFIX} cannot create $keep"; return 0; }
  for f in ${d}/pg_wal/"$tlhex"*; do
    b=\${f##*/}
    [ \${#b} = 24 ] || continue
    printf '%s\\n%s\\n' "$seg" "$b" | LC_ALL=C sort -C && cp -p "$f" "$keep/"
  done
  echo "${REWIND_REPORT_PREFIX} ${r.me} left ${r.primary}'s history at $fork on timeline $mytl; $bytes bytes of WAL written past it are discarded, transactions committed there: \${xids:-none}; that WAL is kept in $keep"
}`;
}

/** The transaction ids a rewind report names (empty when none). */
export function reportedXids(text: string): number[] | undefined {
  const m = /m1: rewind report: .*transactions committed there: ([0-9 ]+|none);/.exec(text);
  if (!m) return undefined;
  return m[1] === 'none' ? [] : m[1]!.trim().split(/\s+/).map(Number);
}
