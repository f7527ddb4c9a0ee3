/**
 * What the drill asks the servers: its two tables (m1.drill_writes, the
 * clients' acknowledged rows; m1.drill_probe, the sampler's probe writes),
 * the sampler's command, and the clients' statements. Pure.
 */
import type { PostgresVersion } from '../../src/inventory/cluster.js';
import { ident, literal } from '../../src/products/postgres/sqlQuote.js';
import { localPsqlCommand } from '../operate/psql.js';
import { quote } from '../../src/engine/shell/quote.js';
import type { NodeState } from './timeline.js';

/** Fresh tables for one drill (on the primary; they replicate); `clientUser` may write the clients' table. */
export function prepareSql(clientUser: string): string {
  return [
    'CREATE SCHEMA IF NOT EXISTS m1',
    'CREATE TABLE IF NOT EXISTS m1.drill_writes (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())',
    'CREATE TABLE IF NOT EXISTS m1.drill_probe (host text NOT NULL, at timestamptz NOT NULL DEFAULT now())',
    'TRUNCATE m1.drill_writes, m1.drill_probe',
    `GRANT USAGE ON SCHEMA m1 TO ${ident(clientUser)}`,
    `GRANT SELECT, INSERT ON m1.drill_writes TO ${ident(clientUser)}`,
    "SELECT 'm1:sync=' || (current_setting('synchronous_standby_names') <> '')",
  ].join('; ');
}

export function syncReplicationOn(stdout: string): boolean {
  return /^m1:sync=(t|true)$/m.exec(stdout) !== null;
}

/** Milliseconds a probe write may take for the node to count as writable. */
export const PROBE_COMMIT_MS = 500;

/**
 * One sample of a data node: its recovery state, then (out of recovery) a
 * probe INSERT bounded by statement_timeout; prints `m1:recovery=` and
 * `m1:rc=`. A commit cancelled while waiting for a synchronous standby
 * warns "canceling wait" yet returns success: the client was not
 * acknowledged in time, so the parser takes it as not writable.
 */
export function sampleCommand(version: PostgresVersion, host: string): string {
  const sql = [
    `SET statement_timeout = ${PROBE_COMMIT_MS}`,
    "SELECT 'm1:recovery=' || pg_is_in_recovery()",
    `INSERT INTO m1.drill_probe (host) SELECT ${literal(host)} WHERE NOT pg_is_in_recovery()`,
  ].join('; ');
  // The whole command under timeout: localPsqlCommand begins with `cd /`, which timeout cannot run.
  return `timeout 2 sh -c ${quote(localPsqlCommand(version, sql))} 2>&1; echo "m1:rc=$?"`;
}

/** What a sample's output says; `answered`: the command came back at all. */
export function parseSample(stdout: string): NodeState {
  const recovery = /^m1:recovery=(t|f|true|false)$/m.exec(stdout)?.[1];
  const rc = /^m1:rc=(\d+)$/m.exec(stdout)?.[1];
  if (recovery === undefined) return 'stopped';
  if (recovery.startsWith('t')) return 'read-only';
  return rc === '0' && !/canceling wait/i.test(stdout) ? 'writable' : 'read-only';
}

/**
 * A client's write: acknowledged when it returns the name of the server that
 * took it, and the id of its transaction as pg_waldump prints it (32 bits,
 * without txid_current's epoch) so that a rewind's report can be matched to it.
 */
export function clientWriteSql(id: number): string {
  return `INSERT INTO m1.drill_writes (id) VALUES (${Math.trunc(id)}) RETURNING 'm1:server=' || host(inet_server_addr()) || '/' || (txid_current() % 4294967296)`;
}

/** The transaction id a write returned (clientWriteSql), when it did. */
export function writtenXid(stdout: string): string | undefined {
  return /^m1:server=[^/\n]*\/(\d+)$/m.exec(stdout)?.[1];
}

export const CLIENT_READ_SQL = "SELECT 'm1:server=' || host(inet_server_addr()) || '/' || count(*) FROM m1.drill_writes WHERE false";

/**
 * The server that answered, by the address it was reached on (a host name
 * through `hosts`, address to name): cluster_name is no identity, Patroni
 * sets it to the cluster's scope on every member.
 */
export function answeringServer(stdout: string, hosts: ReadonlyMap<string, string> = new Map()): string | undefined {
  const addr = /^m1:server=([^/\n]*)/m.exec(stdout)?.[1];
  return addr === undefined ? undefined : (hosts.get(addr) ?? addr);
}

/** The ids among `acked` the final primary does not have. */
export function lostIds(acked: readonly number[], present: readonly number[]): number[] {
  const have = new Set(present);
  return acked.filter((id) => !have.has(id));
}
