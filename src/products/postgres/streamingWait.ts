/**
 * A bounded wait, in shell, until the local standby's WAL receiver streams
 * from a given sender host (pg_stat_wal_receiver.sender_host: the host of
 * its primary_conninfo). Pure.
 */
import { quote } from '../../engine/shell/quote.js';
import type { PostgresVersion } from '../../inventory/cluster.js';
import { localPsql } from './run.js';

/** Exits 0 once streaming from `senderHost`; 1 after `waitS` seconds, saying what it streams from. `label` names the upstream in that message. */
export function waitStreamingFromCommand(version: PostgresVersion, senderHost: string, label: string, waitS: number): string {
  const check = localPsql(version, 'postgres', `-c ${quote(`SELECT status || '|' || coalesce(sender_host, '') FROM pg_stat_wal_receiver`)}`);
  return (
    `i=0; while :; do\n` +
    `  s=$(${check}) || s=''\n` +
    `  [ "$s" = ${quote(`streaming|${senderHost}`)} ] && exit 0\n` +
    `  i=$((i+1)); [ $i -ge ${waitS} ] && { echo "not streaming from ${label} after ${waitS} s: \${s:-no WAL receiver}" >&2; exit 1; }\n` +
    `  sleep 1\n` +
    'done'
  );
}
