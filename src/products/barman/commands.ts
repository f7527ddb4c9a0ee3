/**
 * Shell commands the Barman role runs on the Barman host (pure builders).
 * Every Barman command runs as the barman user (Barman refuses other users,
 * and ~barman/.pgpass must be the one libpq reads).
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quoteAll, quote } from '../../engine/shell/quote.js';
import { binDir, POSTGRES_PORT } from '../postgres/layout.js';
import { literal } from '../postgres/sqlQuote.js';
import { VERIFY_CLUSTER_SERVER } from '../postgres/certificates.js';
import { BARMAN_BIN, BARMAN_HOME, BARMAN_USER } from './layout.js';

/** Runs a shell command as barman, with barman's HOME (runuser sets it), so .pgpass and ~/.ssh are barman's. */
export function asBarman(command: string): string {
  return `runuser -u ${BARMAN_USER} -- sh -c ${quote(command)}`;
}

/** `barman <args>` as a command line. */
export function barmanCmd(...args: string[]): string {
  return quoteAll([BARMAN_BIN, ...args]);
}

/** Whether Barman's server summary counts restorable backups (the role reads it from backup.info files). */
export interface BackupSummary {
  /** Backups whose status is DONE (restorable). */
  done: number;
  /** All backups Barman lists, whatever their status. */
  total: number;
}

/** `barman check <server>` as barman: exit 0 when all is OK, else its FAILED / ERROR lines on stderr. */
export function barmanCheckCommand(server: string): string {
  return asBarman(`out=$(${barmanCmd('check', server)} 2>&1) || { printf '%s\n' "$out" | grep -E 'FAILED|ERROR' >&2; exit 1; }`);
}

/** A libpq connection string to a host's Postgres as barman, for the SQL nudge below. */
function barmanConninfo(host: string): string {
  return `host=${host} port=${POSTGRES_PORT} dbname=postgres user=barman application_name=m1_wal_nudge connect_timeout=5 ${VERIFY_CLUSTER_SERVER}`;
}

/**
 * Runs `command` (as barman) while nudging WAL on `host` once a second, at
 * most `maxNudges` times, and exits with the command's status.
 *
 * Why: Barman archives a streamed segment only once pg_receivewal has opened
 * the next one, i.e. once WAL is written after the switch. On an idle server
 * that is the next standby snapshot (up to 15 s later). `select
 * txid_current()` writes a commit record (an ordinary user can run it), so a
 * `switch-wal --archive` or `backup --wait` returns in about a second.
 */
export function withWalNudge(command: string, host: string, maxNudges = 120, opts: { first?: boolean } = {}): string {
  const psql = quoteAll(['psql', '-XAtq', '-c', 'select txid_current()', barmanConninfo(host)]);
  return [
    // `first`: one nudge before the command. pg_switch_wal switches nothing while the insert
    // position sits exactly at a segment's start (no WAL since the last switch), and Barman
    // then says "No switch required" and waits for a segment that is never closed (seen with
    // PostgreSQL 17 and Barman 3.13 on Debian 13 right after Patroni took over the primary).
    ...(opts.first ? [`${psql} >/dev/null 2>&1`] : []),
    `${command} &`,
    'pid=$!',
    'n=0',
    `while [ "$n" -lt ${maxNudges} ] && kill -0 "$pid" 2>/dev/null; do`,
    '  sleep 1',
    `  ${psql} >/dev/null 2>&1`,
    '  n=$((n + 1))',
    'done',
    'wait "$pid"',
  ].join('\n');
}

/**
 * Drops Barman's slot on a host that is no longer the backed-up one, over a
 * replication connection as streaming_barman (the password is in .pgpass):
 * DROP_REPLICATION_SLOT refuses an active slot, so only an unused one goes.
 * Prints `dropped` when it did.
 */
export function dropSlotCommand(version: PostgresVersion, host: string, slot: string): string {
  const conninfo = `host=${host} port=${POSTGRES_PORT} user=streaming_barman connect_timeout=5 ${VERIFY_CLUSTER_SERVER}`;
  return `${quoteAll([`${binDir(version)}/pg_receivewal`, '--drop-slot', `--slot=${slot}`, `--dbname=${conninfo}`, '--no-password'])} && echo dropped`;
}

/**
 * Waits (bounded, one check a second) until Barman's slot on `host` is in
 * use, i.e. pg_receivewal streams. `barman cron` only starts receive-wal in
 * the background: a WAL switch before pg_receivewal connects closes a segment
 * it will never fetch (it starts at the server's current segment), and the
 * wait for that segment then times out.
 */
export function waitForStreamingCommand(host: string, slot: string, seconds = 60): string {
  const sql = `select active from pg_replication_slots where slot_name = ${literal(slot)}`;
  const psql = quoteAll(['psql', '-XAtq', '-c', sql, barmanConninfo(host)]);
  return [
    'i=0',
    `until [ "$(${psql} 2>/dev/null)" = t ]; do`,
    '  i=$((i + 1))',
    `  if [ "$i" -ge ${seconds} ]; then echo "Barman is not streaming WAL from ${host} through slot ${slot} after ${seconds} s; see /var/log/barman/barman.log" >&2; exit 1; fi`,
    '  sleep 1',
    'done',
  ].join('\n');
}

/**
 * Exit 0 when a `barman receive-wal <server>` process runs (read from /proc:
 * no procps needed). pg_receivewal, and the receive-wal above it, exit when
 * the server they stream from restarts; `barman cron` starts them again only
 * at the next minute.
 */
export function receiveWalRunningCommand(server: string): string {
  const pattern = `receive-wal ${server.replace(/[.[\]()*+?^$|\\{}]/g, '\\$&')} $`;
  return `for f in /proc/[0-9]*/cmdline; do tr '\\0' ' ' < "$f" 2>/dev/null; echo; done | grep -qE -- ${quote(pattern)}`;
}
