/**
 * Barman's slot on the host it is about to back up, dropped when its position
 * lies before the segment where the host's current timeline begins.
 *
 * Why: `barman receive-wal --reset` starts streaming at the slot's restart_lsn
 * on the server's CURRENT timeline. A slot that stayed behind on an earlier
 * timeline (made there when that host was primary before, and not dropped
 * when Barman moved away: it was unreachable, or the drop failed) names a
 * segment the server never had on this timeline: pg_receivewal fails at once with "requested WAL
 * segment ... has already been removed", every minute, and nothing is backed
 * up. A slot whose position is in or after that segment is kept: streaming
 * continues from it without a gap. Runs as barman on the Barman host: the
 * timeline and its start come over a replication connection as
 * streaming_barman, the slot from pg_replication_slots as barman (both
 * passwords in ~barman/.pgpass). Prints `kept` or `dropped ...`.
 */
import { VERIFY_CLUSTER_SERVER } from '../postgres/certificates.js';
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { POSTGRES_PORT } from '../postgres/layout.js';
import { literal } from '../postgres/sqlQuote.js';
import { dropSlotCommand } from './commands.js';

/** The count of inactive slots named `slot` whose restart_lsn is unset or before the segment holding :'start'. */
export function staleSlotSql(slot: string): string {
  return (
    'SELECT count(*) FROM pg_replication_slots,\n' +
    "  (SELECT setting::numeric AS seg FROM pg_settings WHERE name = 'wal_segment_size') s\n" +
    ` WHERE slot_name = ${literal(slot)} AND NOT active\n` +
    "   AND (restart_lsn IS NULL OR pg_wal_lsn_diff(restart_lsn, '0/0') < floor(pg_wal_lsn_diff(:'start', '0/0') / seg) * seg);"
  );
}

export function dropStaleSlotCommand(version: PostgresVersion, host: string, slot: string): string {
  const repl = quote(`host=${host} port=${POSTGRES_PORT} user=streaming_barman dbname=replication replication=true connect_timeout=5 ${VERIFY_CLUSTER_SERVER}`);
  const sql = quote(`host=${host} port=${POSTGRES_PORT} user=barman dbname=postgres application_name=m1_slot_check connect_timeout=5 ${VERIFY_CLUSTER_SERVER}`);
  return [
    `tl=$(psql -XAtq -c IDENTIFY_SYSTEM ${repl} | cut -d'|' -f2) || exit 1`,
    `case "$tl" in ''|*[!0-9]*) echo ${quote(`cannot read the timeline of ${host}`)} >&2; exit 1;; esac`,
    'if [ "$tl" -le 1 ]; then echo kept; exit 0; fi',
    // TIMELINE_HISTORY's content: one "parent<TAB>switchpoint<TAB>reason" line per earlier timeline; the last is where this one starts.
    `start=$(psql -XAtq -c "TIMELINE_HISTORY $tl" ${repl} | awk -F'\\t' 'NF >= 2 { s = $2 } END { print s }') || exit 1`,
    `case "$start" in ''|*[!0-9A-Fa-f/]*) echo "cannot read where timeline $tl of ${host} starts" >&2; exit 1;; esac`,
    `stale=$(printf '%s\\n' ${quote(staleSlotSql(slot))} | psql -XAtq -v start="$start" ${sql}) || exit 1`,
    'if [ "$stale" != 1 ]; then echo kept; exit 0; fi',
    `${dropSlotCommand(version, host, slot)} >/dev/null || exit 1`,
    `echo "dropped: its position lies before timeline $tl began at $start"`,
  ].join('\n');
}
