/** The standby's WAL receiver (pg_stat_wal_receiver): undefined when none runs (a primary, or a standby not streaming). */
import { sqlRows, type Fact } from '../fact.js';
import { fields, num, opt } from '../protocol.js';

export interface WalReceiver {
  /** streaming, catchup, starting, waiting, stopping... */
  status: string;
  /** The host it streams from, as primary_conninfo names it (a name or an address). */
  senderHost?: string;
  /** Timeline of the WAL received and flushed. */
  timeline?: number;
  flushedLsn?: string;
  slot?: string;
}

export const WAL_RECEIVER_SQL = sqlRows('rcv', ['status', 'sender_host', 'received_tli', 'flushed_lsn', 'slot_name'], 'FROM pg_stat_wal_receiver');

export const walReceiver: Fact<WalReceiver | undefined> = {
  key: 'rcv',
  read: { sql: WAL_RECEIVER_SQL, database: 'postgres' },
  parse: (lines) => {
    const line = lines[0];
    if (!line) return undefined;
    const f = fields(line.value);
    return { status: f[0] ?? '', senderHost: opt(f[1]), timeline: num(f[2]), flushedLsn: opt(f[3]), slot: opt(f[4]) };
  },
};
