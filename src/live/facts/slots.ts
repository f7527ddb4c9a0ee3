/**
 * Replication slots and the WAL each one holds back: bytes between the
 * server's newest WAL (on a primary what it writes now, on a standby what it
 * has received) and the slot's restart_lsn. A slot nobody consumes keeps
 * that much WAL on disk, growing until max_slot_wal_keep_size (if set).
 */
import { sqlRows, type Fact } from '../fact.js';
import { bool, fields, num, opt } from '../protocol.js';

export interface SlotRow {
  name: string;
  /** physical | logical */
  type: string;
  active: boolean;
  restartLsn?: string;
  /** Bytes of WAL the slot holds; undefined when it reserves none (restart_lsn NULL). */
  heldBytes?: number;
}

export const SLOTS_SQL = sqlRows(
  'slot',
  [
    'slot_name',
    'slot_type',
    'active',
    'restart_lsn',
    'pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn() ELSE pg_current_wal_lsn() END, restart_lsn)::bigint',
  ],
  'FROM pg_replication_slots ORDER BY slot_name',
);

export const slots: Fact<SlotRow[]> = {
  key: 'slot',
  read: { sql: SLOTS_SQL, database: 'postgres' },
  parse: (lines) =>
    lines.map((l) => {
      const f = fields(l.value);
      return { name: f[0] ?? '', type: f[1] ?? '', active: bool(f[2]), restartLsn: opt(f[3]), heldBytes: num(f[4]) };
    }),
};
