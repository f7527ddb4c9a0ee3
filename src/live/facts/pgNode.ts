/**
 * The Postgres server itself: where its data is, primary or not, WAL
 * positions, timelines, identity, and the upstream it was told to follow.
 *
 * `timeline` is the LIVE timeline: on a primary, the timeline of the WAL it
 * writes now (from the name of the current WAL file); on a standby, the
 * timeline of the WAL it receives (undefined while no WAL receiver runs).
 * pg_control's `checkpointTimeline` lags: after a promotion it keeps the old
 * timeline until the first checkpoint, which can be minutes later. Whatever
 * compares servers (which of two primaries is the newer) uses `timeline`.
 */
import { sqlRows, type Fact } from '../fact.js';
import { bool, fields, num, opt } from '../protocol.js';
import { CURRENT_TIMELINE_SQL } from '../../products/postgres/walTimeline.js';

export interface PgNode {
  dataDirectory: string;
  inRecovery: boolean;
  /** pg_current_wal_lsn(), on a primary. */
  currentLsn?: string;
  receiveLsn?: string;
  replayLsn?: string;
  /** The live timeline (see above). */
  timeline?: number;
  /** pg_control's timeline as of the last checkpoint (lags after a promotion). */
  checkpointTimeline?: number;
  systemIdentifier?: string;
  clusterName?: string;
  /** host= of primary_conninfo, quotes removed (a standby whose receiver is down still names it). */
  conninfoHost?: string;
  /** pg_postmaster_start_time() as Unix seconds: changes exactly when the server restarted. */
  postmasterStart?: number;
  /** default_transaction_read_only: on a primary, m1's runtime fence (or an operator) keeps it from taking writes. */
  readOnly: boolean;
  /** synchronous_standby_names ('' when commits wait for no standby). */
  synchronousStandbys: string;
}

export const PG_NODE_SQL = sqlRows('pg', [
  "current_setting('data_directory')",
  'pg_is_in_recovery()',
  'CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END',
  'pg_last_wal_receive_lsn()',
  'pg_last_wal_replay_lsn()',
  // The first 8 hex digits of a WAL file name are its timeline.
  `CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver) ELSE ${CURRENT_TIMELINE_SQL} END`,
  '(SELECT timeline_id FROM pg_control_checkpoint())',
  '(SELECT system_identifier FROM pg_control_system())',
  "current_setting('cluster_name')",
  // repmgr writes host='name'; Patroni host=address: the value without quotes.
  "substring(current_setting('primary_conninfo', true) from 'host=''?([^ '']+)')",
  'extract(epoch from pg_postmaster_start_time())::bigint',
  "current_setting('default_transaction_read_only')",
  "current_setting('synchronous_standby_names')",
]);

export const pgNode: Fact<PgNode | undefined> = {
  key: 'pg',
  read: { sql: PG_NODE_SQL, database: 'postgres' },
  parse: (lines) => {
    const line = lines[0];
    if (!line) return undefined;
    const f = fields(line.value);
    return {
      dataDirectory: f[0] ?? '',
      inRecovery: bool(f[1]),
      currentLsn: opt(f[2]),
      receiveLsn: opt(f[3]),
      replayLsn: opt(f[4]),
      timeline: num(f[5]),
      checkpointTimeline: num(f[6]),
      systemIdentifier: opt(f[7]),
      clusterName: opt(f[8]),
      conninfoHost: opt(f[9]),
      postmasterStart: num(f[10]),
      readOnly: f[11] === 'on',
      synchronousStandbys: f[12] ?? '',
    };
  },
};
