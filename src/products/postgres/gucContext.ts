/**
 * Which settings need a restart (postmaster context) and which a reload,
 * per PostgreSQL major version, without asking a server: a changed setting is
 * classified from config.yml alone, so `--check` can say what will happen.
 *
 * The PostgreSQL 15 list is `postgres --describe-config` of Debian's 15.18
 * filtered on context "postmaster"; other versions apply the differences
 * listed in their release notes (noted beside each entry). Settings of the
 * internal context cannot be set in files and are not listed.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';

/** postmaster-context settings of PostgreSQL 15 (from the server itself). */
const PG15_POSTMASTER = [
  'archive_mode', 'autovacuum_freeze_max_age', 'autovacuum_max_workers', 'autovacuum_multixact_freeze_max_age',
  'bonjour', 'bonjour_name', 'cluster_name', 'data_directory', 'data_sync_retry', 'dynamic_shared_memory_type',
  'event_source', 'external_pid_file', 'hba_file', 'hot_standby', 'huge_page_size', 'huge_pages', 'ident_file',
  'jit_provider', 'listen_addresses', 'logging_collector', 'max_connections', 'max_files_per_process',
  'max_locks_per_transaction', 'max_logical_replication_workers', 'max_pred_locks_per_transaction',
  'max_prepared_transactions', 'max_replication_slots', 'max_wal_senders', 'max_worker_processes',
  'min_dynamic_shared_memory', 'old_snapshot_threshold', 'port', 'recovery_target', 'recovery_target_action',
  'recovery_target_inclusive', 'recovery_target_lsn', 'recovery_target_name', 'recovery_target_time',
  'recovery_target_timeline', 'recovery_target_xid', 'shared_buffers', 'shared_memory_type',
  'shared_preload_libraries', 'superuser_reserved_connections', 'track_activity_query_size',
  'track_commit_timestamp', 'unix_socket_directories', 'unix_socket_group', 'unix_socket_permissions',
  'wal_buffers', 'wal_decode_buffer_size', 'wal_level', 'wal_log_hints',
] as const;

interface Delta {
  /** Added to the postmaster set in this version and later. */
  since?: PostgresVersion;
  /** Not postmaster-context (removed, or made reloadable) in this version and later. */
  until?: PostgresVersion;
}

/** How other versions differ from 15, by setting. */
const DELTAS: Record<string, Delta> = {
  // 12 moved recovery.conf into postgresql.conf; before that these were no GUCs.
  recovery_target: { since: 12 },
  recovery_target_action: { since: 12 },
  recovery_target_inclusive: { since: 12 },
  recovery_target_lsn: { since: 12 },
  recovery_target_name: { since: 12 },
  recovery_target_time: { since: 12 },
  recovery_target_timeline: { since: 12 },
  recovery_target_xid: { since: 12 },
  primary_conninfo: { since: 12, until: 13 }, // reloadable from 13
  primary_slot_name: { since: 12, until: 13 }, // reloadable from 13
  restore_command: { since: 12, until: 15 }, // reloadable from 15
  shared_memory_type: { since: 12 },
  huge_page_size: { since: 14 },
  min_dynamic_shared_memory: { since: 14 },
  wal_decode_buffer_size: { since: 15 },
  reserved_connections: { since: 16 },
  debug_io_direct: { since: 16 },
  old_snapshot_threshold: { until: 17 }, // removed in 17
  // 17: configurable SLRU buffers and the notify queue size.
  commit_timestamp_buffers: { since: 17 },
  multixact_member_buffers: { since: 17 },
  multixact_offset_buffers: { since: 17 },
  notify_buffers: { since: 17 },
  serializable_buffers: { since: 17 },
  subtransaction_buffers: { since: 17 },
  transaction_buffers: { since: 17 },
  max_notify_queue_pages: { since: 17 },
};

/**
 * Extension settings that a reload applies. Every other name with a dot (an
 * extension's setting, e.g. pg_stat_statements.max, or one m1 does not know)
 * is treated as needing a restart: restarting needlessly is safe, reloading
 * when a restart is needed is not.
 */
const EXTENSION_RELOADABLE = new Set([
  'pg_stat_statements.track',
  'pg_stat_statements.track_utility',
  'pg_stat_statements.track_planning',
  'pg_stat_statements.save',
]);

const cache = new Map<PostgresVersion, ReadonlySet<string>>();

/** Every postmaster-context setting of a version. */
export function postmasterSettings(version: PostgresVersion): ReadonlySet<string> {
  let set = cache.get(version);
  if (set) return set;
  const out = new Set<string>();
  for (const name of PG15_POSTMASTER) out.add(name);
  for (const [name, d] of Object.entries(DELTAS)) {
    const applies = (d.since === undefined || version >= d.since) && (d.until === undefined || version < d.until);
    if (applies) out.add(name);
    else out.delete(name);
  }
  set = out;
  cache.set(version, set);
  return set;
}

export type ChangeContext = 'reload' | 'restart';

/** Whether changing `name` takes a restart or a reload on this version. */
export function settingContext(name: string, version: PostgresVersion): ChangeContext {
  const key = name.toLowerCase();
  if (key.includes('.')) return EXTENSION_RELOADABLE.has(key) ? 'reload' : 'restart';
  return postmasterSettings(version).has(key) ? 'restart' : 'reload';
}

/**
 * Settings a hot standby must not run lower than its primary (PostgreSQL
 * checks them when replaying the primary's parameter change): raising them
 * restarts replicas first, lowering them restarts the primary first.
 */
export const PRIMARY_FIRST_WHEN_LOWERED = [
  'max_connections',
  'max_worker_processes',
  'max_wal_senders',
  'max_prepared_transactions',
  'max_locks_per_transaction',
] as const;

export type Settings = Readonly<Record<string, string>>;

export interface SettingsChange {
  /** Settings whose value differs (added, removed or changed), sorted. */
  changed: string[];
  /** What the change takes: nothing, a reload, or a restart. */
  action: 'none' | 'reload' | 'restart';
  /** The changed settings that need the restart. */
  restartFor: string[];
  /** Standby-sensitive settings lowered / raised by this change. */
  lowered: string[];
  raised: string[];
  /** Restart the primary before its replicas (something was lowered). */
  primaryFirst: boolean;
  /**
   * Set when one change both lowers and raises standby-sensitive settings: no
   * single restart order is safe, so the change must be made in two runs.
   */
  problem?: string;
}

/** An integer setting's value, or undefined when not a plain integer (units, -1 words...). */
function intValue(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().replace(/^'(.*)'$/, '$1');
  return /^-?\d+$/.test(s) ? Number(s) : undefined;
}

/** Compare two sets of settings (as written in the conf.d files) and say what applying the new ones takes. */
export function planSettingsChange(before: Settings, after: Settings, version: PostgresVersion): SettingsChange {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  const changed = [...names].filter((n) => before[n] !== after[n]).sort();
  const restartFor = changed.filter((n) => settingContext(n, version) === 'restart');
  const lowered: string[] = [];
  const raised: string[] = [];
  for (const n of PRIMARY_FIRST_WHEN_LOWERED) {
    if (!changed.includes(n)) continue;
    const b = intValue(before[n]);
    const a = intValue(after[n]);
    // A setting removed from or added to the files falls back to / replaces a default
    // m1 cannot see; treat the direction as unknown and therefore as lowered (primary first).
    if (b === undefined || a === undefined || a < b) lowered.push(n);
    else if (a > b) raised.push(n);
  }
  const action = changed.length === 0 ? 'none' : restartFor.length > 0 ? 'restart' : 'reload';
  const change: SettingsChange = { changed, action, restartFor, lowered, raised, primaryFirst: lowered.length > 0 };
  if (lowered.length > 0 && raised.length > 0) {
    change.problem =
      `this change lowers ${lowered.join(', ')} and raises ${raised.join(', ')}: ` +
      'replicas must never run lower values than their primary, so no restart order is safe; ' +
      'deploy the lowering and the raising in two separate runs';
  }
  return change;
}

/**
 * The settings of a conf.d file m1 wrote (`name = value` lines; comments and
 * blank lines ignored). Values are kept as written, quotes included, so two
 * renderings compare equal exactly when the files do.
 */
export function parseConfFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_.]*)\s*=?\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if (!value.startsWith("'")) value = value.replace(/\s+#.*$/, '');
    out[m[1]!.toLowerCase()] = value.trim();
  }
  return out;
}
