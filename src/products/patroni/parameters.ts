/**
 * Postgres parameters under Patroni: which go to the DCS (cluster-wide),
 * which may stay in one node's patroni.yml, and which Patroni owns.
 *
 * Facts from Patroni 3.0.2 (patroni/postgresql/config.py, patroni/config.py):
 * - CMDLINE_OPTIONS (max_connections, wal_level, max_wal_senders, ...) are
 *   passed on the postgres command line from the *DCS* value; in a node's local
 *   `postgresql.parameters` they are silently dropped, and a DCS value failing
 *   Patroni's check is silently replaced by Patroni's default. m1 turns both
 *   silent cases into errors.
 * - listen_addresses, port and cluster_name come from `postgresql.listen` and
 *   `scope`; hot_standby and wal_log_hints are forced on.
 * - Recovery settings (primary_conninfo, restore_command, ...) are Patroni's
 *   to write (`recovery_conf`), never parameters.
 */
import { ConfigError, type ConfigProblem } from '../../errors.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { hostVarLayer } from '../../config/vars.js';
import { configuredPrimary } from '../../inventory/liveTopology.js';
import { m1Settings } from '../postgres/settings.js';

export type ParamValue = string | number;
export type Parameters = Record<string, ParamValue>;

/**
 * The postgres role's defaults that must be the same on every member, hence
 * live in the DCS: Patroni's command-line settings (it passes them from the
 * DCS, or its own defaults, overriding postgresql.conf: without them here
 * max_connections would drop from the role's 250 to Patroni's 100 when Patroni
 * takes over), plus preload libraries and archiving. Host-sized and per-host
 * settings stay in the postgres role's conf.d files.
 */
export const DCS_DEFAULT_KEYS: readonly string[] = [
  'wal_level',
  'max_connections',
  'max_wal_senders',
  'max_replication_slots',
  'max_worker_processes',
  'max_prepared_transactions',
  'max_locks_per_transaction',
  'track_commit_timestamp',
  'wal_keep_size',
  'shared_preload_libraries',
  'archive_mode',
  'archive_command',
  'hot_standby_feedback',
  'password_encryption',
];

/** Those defaults, from roles/postgres (same-named config.yml variables applied there). */
export function m1DcsDefaultParameters(cluster: Cluster): Parameters {
  // Sized settings are not picked, so the memory figure does not matter here.
  // Patroni itself needs no preloaded library.
  const all = m1Settings({ cluster, instance: configuredPrimary(cluster), memoryMb: 1024, managerLibraries: [] });
  const out: Parameters = {};
  for (const key of DCS_DEFAULT_KEYS) {
    const v = normalizeParamValue(all[key]);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Set by Patroni from its own keys or forced by it: never in DCS or local parameters. */
export const PATRONI_OWNED_PARAMETERS: ReadonlySet<string> = new Set([
  'listen_addresses',
  'port',
  'cluster_name',
  'hot_standby',
  'wal_log_hints',
  'data_directory',
  'config_file',
  'hba_file',
  'ident_file',
  // recovery settings (Patroni writes them per role)
  'primary_conninfo',
  'primary_slot_name',
  'restore_command',
  'archive_cleanup_command',
  'recovery_end_command',
  'recovery_min_apply_delay',
  'recovery_target',
  'recovery_target_action',
  'recovery_target_inclusive',
  'recovery_target_lsn',
  'recovery_target_name',
  'recovery_target_time',
  'recovery_target_timeline',
  'recovery_target_xid',
  'promote_trigger_file',
  'standby_mode',
]);

/** Unit-aware parse of a size in MB, as Patroni's parse_int(v, 'MB'). */
function sizeInMb(v: ParamValue): number | undefined {
  const m = /^\s*(\d+)\s*(kB|MB|GB|TB)?\s*$/.exec(String(v));
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit = m[2] ?? 'MB';
  return unit === 'kB' ? n / 1024 : unit === 'MB' ? n : unit === 'GB' ? n * 1024 : n * 1024 * 1024;
}

const isInt = (v: ParamValue): boolean => /^-?\d+$/.test(String(v).trim());
const atLeast = (min: number) => (v: ParamValue) => isInt(v) && Number(v) >= min;

/**
 * Patroni's CMDLINE_OPTIONS that config.yml may set, with Patroni's own
 * validity check (a value failing it is replaced by Patroni's default).
 */
export const CLUSTER_WIDE_PARAMETERS: ReadonlyMap<string, { check: (v: ParamValue) => boolean; expect: string }> =
  new Map([
    ['wal_level', { check: (v) => ['hot_standby', 'replica', 'logical'].includes(String(v).toLowerCase()), expect: 'replica or logical' }],
    ['max_connections', { check: atLeast(25), expect: 'an integer >= 25' }],
    ['max_wal_senders', { check: atLeast(3), expect: 'an integer >= 3' }],
    ['wal_keep_segments', { check: atLeast(1), expect: 'an integer >= 1' }],
    ['wal_keep_size', { check: (v) => (sizeInMb(v) ?? 0) >= 16, expect: 'a size >= 16MB' }],
    ['max_prepared_transactions', { check: atLeast(0), expect: 'an integer >= 0' }],
    ['max_locks_per_transaction', { check: atLeast(32), expect: 'an integer >= 32' }],
    ['track_commit_timestamp', { check: (v) => /^(on|off|true|false|yes|no|1|0)$/i.test(String(v)), expect: 'on or off' }],
    ['max_replication_slots', { check: atLeast(4), expect: 'an integer >= 4' }],
    ['max_worker_processes', { check: atLeast(2), expect: 'an integer >= 2' }],
  ]);

/** YAML gives booleans and numbers; Postgres wants on/off and numbers, strings as written. */
export function normalizeParamValue(v: unknown): ParamValue | undefined {
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (typeof v === 'number' || typeof v === 'string') return v;
  return undefined;
}

interface Source {
  map: unknown;
  path: string;
}

function readParameters(cluster: Cluster, src: Source, problems: ConfigProblem[]): Parameters {
  const out: Parameters = {};
  if (src.map === undefined || src.map === null) return out;
  const file = `${cluster.dir}/config.yml`;
  if (typeof src.map !== 'object' || Array.isArray(src.map)) {
    problems.push({ file, path: src.path, message: 'expected a mapping of parameter: value' });
    return out;
  }
  for (const [name, raw] of Object.entries(src.map as Record<string, unknown>)) {
    const value = normalizeParamValue(raw);
    if (value === undefined) {
      problems.push({ file, path: `${src.path}.${name}`, message: `expected a string, number or boolean, got ${JSON.stringify(raw)}` });
      continue;
    }
    const key = name.toLowerCase();
    if (PATRONI_OWNED_PARAMETERS.has(key)) {
      problems.push({
        file,
        path: `${src.path}.${name}`,
        message: 'Patroni sets this itself (from postgresql.listen, scope or its recovery settings); remove it',
      });
      continue;
    }
    out[name] = value;
  }
  return out;
}

/**
 * Parameters for the DCS: m1's defaults, then cluster_vars.postgres_conf_settings
 * (shared_preload_libraries: the role's computed list, which already merges it).
 * Values Patroni would silently replace are errors naming the key.
 */
export function dcsParameters(cluster: Cluster, defaults: Readonly<Parameters> = m1DcsDefaultParameters(cluster)): Parameters {
  const problems: ConfigProblem[] = [];
  const fromConfig = readParameters(
    cluster,
    { map: hostVarLayer(cluster, 'cluster_vars', 'postgres_conf_settings'), path: 'cluster_vars.postgres_conf_settings' },
    problems,
  );
  const merged: Parameters = { ...defaults, ...fromConfig };
  // The postgres role's list already holds config.yml's libraries after its own (pg_stat_statements...).
  if (defaults.shared_preload_libraries !== undefined) merged.shared_preload_libraries = defaults.shared_preload_libraries;
  for (const [name, value] of Object.entries(fromConfig)) {
    const rule = CLUSTER_WIDE_PARAMETERS.get(name.toLowerCase());
    if (rule && !rule.check(value)) {
      problems.push({
        file: `${cluster.dir}/config.yml`,
        path: `cluster_vars.postgres_conf_settings.${name}`,
        message: `Patroni would ignore ${JSON.stringify(value)} and use its default: expected ${rule.expect}`,
      });
    }
  }
  if (problems.length) throw new ConfigError(problems);
  return sortKeys(merged);
}

/**
 * A node's own parameters for its patroni.yml: the instance's
 * vars.postgres_conf_settings (instance_defaults' included), leaving out
 * values equal to cluster_vars' (those live in the DCS already). Cluster-wide
 * parameters are refused: Patroni drops them from local config.
 */
export function localParameters(cluster: Cluster, instance: Instance): Parameters {
  const problems: ConfigProblem[] = [];
  const own = readParameters(
    cluster,
    { map: hostVarLayer(cluster, instance, 'postgres_conf_settings'), path: `instances[${instance.name}].vars.postgres_conf_settings` },
    problems,
  );
  const clusterMap = hostVarLayer(cluster, 'cluster_vars', 'postgres_conf_settings') ?? {};
  const out: Parameters = {};
  for (const [name, value] of Object.entries(own)) {
    if (normalizeParamValue(clusterMap[name]) === value) continue;
    if (CLUSTER_WIDE_PARAMETERS.has(name.toLowerCase())) {
      problems.push({
        file: `${cluster.dir}/config.yml`,
        path: `instances[${instance.name}].vars.postgres_conf_settings.${name}`,
        message: 'Patroni applies this cluster-wide only: set it in cluster_vars.postgres_conf_settings',
      });
      continue;
    }
    out[name] = value;
  }
  if (problems.length) throw new ConfigError(problems);
  return sortKeys(out);
}

export function sortKeys<T>(o: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
