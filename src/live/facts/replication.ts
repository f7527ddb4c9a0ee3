/** Who streams from this server (pg_stat_replication), one row per WAL sender. */
import { sqlRows, type Fact } from '../fact.js';
import { fields, opt } from '../protocol.js';

export interface ReplicationRow {
  /** The standby's application_name (its cluster_name or repmgr node name; barman_streaming...). */
  applicationName: string;
  clientAddr?: string;
  /** streaming, catchup, backup... */
  state: string;
  sentLsn?: string;
  replayLsn?: string;
  /** async, sync, potential, quorum */
  syncState?: string;
}

export const REPLICATION_SQL = sqlRows('rep', ['application_name', 'client_addr', 'state', 'sent_lsn', 'replay_lsn', 'sync_state'], 'FROM pg_stat_replication ORDER BY application_name');

export const replication: Fact<ReplicationRow[]> = {
  key: 'rep',
  read: { sql: REPLICATION_SQL, database: 'postgres' },
  parse: (lines) =>
    lines.map((l) => {
      const f = fields(l.value);
      return { applicationName: f[0] ?? '', clientAddr: opt(f[1]), state: f[2] ?? '', sentLsn: opt(f[3]), replayLsn: opt(f[4]), syncState: opt(f[5]) };
    }),
};
