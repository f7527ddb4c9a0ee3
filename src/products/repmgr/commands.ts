/**
 * repmgr command lines, run as postgres on the node they concern. Pure
 * builders; the deploy decides from facts whether each is needed (repmgr's
 * register commands are not idempotent on their own).
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quoteAll, quote } from '../../engine/shell/quote.js';
import { localPsql, remotePsql } from '../postgres/run.js';
import { literal } from '../postgres/sqlQuote.js';
import { POSTGRES_PORT } from '../postgres/layout.js';
import { POSTGRES_PGPASS } from '../postgres/pgpass.js';
import { repmgrDsn } from './conninfo.js';
import { REPMGR_DB, REPMGR_USER, repmgrBin, repmgrConfPath } from './layout.js';

function repmgr(version: PostgresVersion, ...args: string[]): string {
  return quoteAll([repmgrBin(version), '-f', repmgrConfPath(version), ...args]);
}

/** On the primary, once the repmgr database exists: `primary register`. */
export function primaryRegisterCommand(version: PostgresVersion): string {
  return repmgr(version, 'primary', 'register', '--verbose');
}

/**
 * What the standby's primary_conninfo says: its upstream's repmgr DSN, its
 * own name as application_name (pg_stat_replication shows who streams), and
 * the passfile (the walreceiver runs without the postgres user's environment).
 */
export function upstreamConninfo(upstream: string, me: string): string {
  return `${repmgrDsn(upstream)} application_name=${me} passfile=${POSTGRES_PGPASS}`;
}

export interface CloneInput {
  version: PostgresVersion;
  me: string;
  /** Host to copy from: the upstream when it is ready, else the primary. */
  source: string;
  /** Host the clone will stream from (written to primary_conninfo), whatever the source. */
  upstream: string;
}

/**
 * `standby clone` into an empty (or half-cloned: -F) data directory. Only
 * run when PG_VERSION is absent. --fast-checkpoint: no wait for the next
 * scheduled checkpoint on the source.
 */
export function standbyCloneCommand(c: CloneInput): string {
  return repmgr(c.version, '-d', repmgrDsn(c.source), 'standby', 'clone', '-F', '--fast-checkpoint', '--upstream-conninfo', upstreamConninfo(c.upstream, c.me), '--verbose');
}

/**
 * `standby register` with its upstream's node id; --force overwrites a stale
 * record (a rebuilt node, a placeholder); --wait-sync bounds the wait for the
 * record to reach the standby.
 */
export function standbyRegisterCommand(version: PostgresVersion, upstreamNodeId: number): string {
  return repmgr(version, 'standby', 'register', '--upstream-node-id', String(upstreamNodeId), '--force', '--wait-sync=60', '--verbose');
}

/** On the witness, against the live primary. */
export function witnessRegisterCommand(version: PostgresVersion, primary: string): string {
  return repmgr(version, 'witness', 'register', '-h', primary, '-p', String(POSTGRES_PORT), '-U', REPMGR_USER, '-d', REPMGR_DB, '--verbose');
}

/**
 * Re-joins a stopped former primary (or a diverged standby) under `primary`,
 * rewinding it with pg_rewind when its timeline has diverged; repmgr starts
 * it through service_start_command afterwards.
 */
export function nodeRejoinCommand(version: PostgresVersion, primary: string): string {
  return repmgr(version, '-d', repmgrDsn(primary), 'node', 'rejoin', '--force-rewind', '--verbose');
}

/** Planned switchover, run on the target replica; siblings follow it. */
export function standbySwitchoverCommand(version: PostgresVersion): string {
  return repmgr(version, 'standby', 'switchover', '--siblings-follow', '--verbose');
}

/** repmgrd pause / unpause for the whole cluster (run on any node). */
export function servicePauseCommand(version: PostgresVersion, pause: boolean): string {
  return repmgr(version, 'service', pause ? 'pause' : 'unpause');
}

/**
 * Exit 0 when this node's repmgrd is paused (repmgr.repmgrd_is_paused() on
 * the local server: its shared memory, set by `service pause` whether
 * repmgrd runs or not). Run as root.
 */
export function localPausedCommand(version: PostgresVersion): string {
  return `test "$(${localPsql(version, REPMGR_DB, `-c ${quote('SELECT repmgr.repmgrd_is_paused()')}`)} 2>/dev/null)" = t`;
}

/** Exit 0 when repmgr.nodes on `primary` has `node` active (repmgrd sets it back after a reconnect). */
export function nodeActiveCommand(version: PostgresVersion, primary: string, node: string): string {
  const sql = `SELECT active FROM repmgr.nodes WHERE node_name = ${literal(node)}`;
  return `test "$(${remotePsql(version, `${repmgrDsn(primary)} connect_timeout=5`, `-c ${quote(sql)}`)} 2>/dev/null)" = t`;
}

/**
 * Makes this running standby stream from node `upstreamNodeId` (another
 * standby or the primary): repmgr rewrites primary_conninfo from that node's
 * verifying conninfo, creates its slot there (use_replication_slots), updates
 * its record, and reloads (PostgreSQL 13+) or restarts; --wait: until it
 * streams (standby_follow_timeout). What repmgrd runs when an upstream fails.
 */
export function standbyFollowCommand(version: PostgresVersion, upstreamNodeId: number): string {
  return repmgr(version, 'standby', 'follow', '--wait', `--upstream-node-id=${upstreamNodeId}`, '--verbose');
}

/**
 * Removes node `nodeId`'s record from repmgr.nodes, run on the primary (the
 * node itself may be stopped or gone): `standby unregister` or `witness
 * unregister` with --node-id. Fails when there is no such record, so it is
 * run only while repmgr lists the node.
 */
export function unregisterCommand(version: PostgresVersion, type: 'standby' | 'witness', nodeId: number): string {
  return repmgr(version, type, 'unregister', `--node-id=${nodeId}`, '--verbose');
}
