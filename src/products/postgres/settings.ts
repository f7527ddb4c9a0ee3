/**
 * The postgresql.conf settings m1 writes, as TPA lays them out in conf.d:
 *
 *   0000-tpa.conf                    m1's defaults a reload applies
 *   0001-tpa_restart.conf            m1's defaults that need a restart
 *   9900-postgres_conf_settings.conf postgres_conf_settings (cluster_vars, then instance vars)
 *   9999-override.conf               created empty once, never rewritten (for humans)
 *
 * Every default can be overridden by a variable of the same name in
 * cluster_vars or an instance's vars (TPA's rule). Which file a default lands
 * in follows gucContext.ts, so a file's name says what changing it takes.
 */
import { UsageError } from '../../errors.js';
import type { Cluster, Instance, PostgresVersion } from '../../inventory/cluster.js';
import { runsPostgres } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { hostVar, mergedHostMap } from '../../config/vars.js';
import { POSTGRES_SETTING_VARIABLES, VARIABLES, type PostgresSettingVariable } from '../../config/variables.js';
import { settingContext } from './gucContext.js';
import { CONF_D, POSTGRES_PORT, SOCKET_DIR, sslCertPath, sslKeyPath } from './layout.js';

export type GucValue = string | number | boolean;

export const CONF_FILES = {
  reload: '0000-tpa.conf',
  restart: '0001-tpa_restart.conf',
  custom: '9900-postgres_conf_settings.conf',
  override: '9999-override.conf',
} as const;

const TEMPLATE = 'roles/postgres/templates/settings.conf.hbs';

/**
 * A setting value as postgresql.conf wants it: booleans as on/off, numbers
 * bare, strings single-quoted. Inside quotes PostgreSQL's parser turns `''`
 * into `'` and processes backslash escapes, so both are escaped.
 */
export function formatGucValue(value: GucValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new RangeError(`setting value ${value}`);
    return String(value);
  }
  if (/[\r\n]/.test(value)) throw new UsageError(`setting value ${JSON.stringify(value)}: line breaks cannot be written`);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

function countPostgresNodes(cluster: Cluster): number {
  return cluster.instances.filter((i) => runsPostgres(i, cluster.failoverManager)).length;
}

export interface SettingsInput {
  cluster: Cluster;
  instance: Instance;
  /** The host's memory in MiB (from facts): sizes shared_buffers and effective_cache_size. */
  memoryMb: number;
  /** Libraries the failover manager needs preloaded (repmgr's). */
  managerLibraries: readonly string[];
}

/** Libraries to preload: pg_stat_statements, the failover manager's, then any the config adds. */
export function sharedPreloadLibraries(cluster: Cluster, instance: Instance, managerLibraries: readonly string[]): string[] {
  const libs = ['pg_stat_statements'];
  for (const l of managerLibraries) if (!libs.includes(l)) libs.push(l);
  const custom = mergedHostMap(cluster, instance, 'postgres_conf_settings')['shared_preload_libraries'];
  if (typeof custom === 'string') {
    for (const l of custom.split(',').map((s) => s.trim()).filter(Boolean)) if (!libs.includes(l)) libs.push(l);
  }
  return libs;
}

/**
 * m1's defaults for this host (TPA's, reference 4.4), before config
 * overrides: the fixed ones are the variables' defaults (config/variables.ts,
 * where each says why), the ones that depend on the host are computed here.
 */
export function defaultSettings(input: SettingsInput): Record<string, GucValue> {
  const { cluster, instance, memoryMb } = input;
  const n = countPostgresNodes(cluster);
  const mem = Math.max(256, Math.floor(memoryMb));
  // Exactly the settings whose variable has no default of its own (the type says so).
  const computed: { [K in PostgresSettingVariable as (typeof VARIABLES)[K]['default'] extends undefined ? K : never]: GucValue } = {
    port: POSTGRES_PORT,
    unix_socket_directories: SOCKET_DIR,
    cluster_name: instance.name,
    // memory, sized from the host
    shared_buffers: `${Math.floor(mem / 4)}MB`,
    effective_cache_size: `${Math.floor(mem / 2)}MB`,
    // replication: room for every node twice (clones, Barman, pg_rewind) and never below PostgreSQL's defaults
    max_wal_senders: Math.max(10, 2 * n),
    max_replication_slots: Math.max(10, 2 * n + 3),
    max_worker_processes: Math.max(16, 2 * n),
    ssl_cert_file: sslCertPath(instance.name),
    ssl_key_file: sslKeyPath(instance.name),
  };
  const s: Record<string, GucValue> = {};
  for (const name of POSTGRES_SETTING_VARIABLES) {
    const v = VARIABLES[name].default ?? (computed as Partial<Record<PostgresSettingVariable, GucValue>>)[name];
    if (v !== undefined) s[name] = v;
  }
  if (cluster.postgresVersion < 12) delete s['ssl_min_protocol_version'];
  if (cluster.postgresVersion < 13) {
    delete s['max_slot_wal_keep_size'];
    delete s['wal_keep_size'];
  }
  s['shared_preload_libraries'] = sharedPreloadLibraries(cluster, instance, input.managerLibraries).join(',');
  return s;
}

/** The defaults with same-named cluster_vars / instance vars applied (shared_preload_libraries excepted: always computed). */
export function m1Settings(input: SettingsInput): Record<string, GucValue> {
  const out = defaultSettings(input);
  for (const name of POSTGRES_SETTING_VARIABLES) {
    if (!Object.hasOwn(out, name)) continue;
    const v = hostVar(input.cluster, input.instance, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** postgres_conf_settings from cluster_vars and the instance's vars (instance wins); names and values checked by its spec. */
export function customSettings(cluster: Cluster, instance: Instance): Record<string, GucValue> {
  const merged = mergedHostMap(cluster, instance, 'postgres_conf_settings');
  const out: Record<string, GucValue> = {};
  for (const [name, v] of Object.entries(merged)) {
    // Merged into 0001's list instead, so the manager's library can never be dropped from it by accident.
    if (name === 'shared_preload_libraries') continue;
    out[name.toLowerCase()] = v;
  }
  return out;
}

export interface ConfFile {
  /** Absolute path on the host. */
  path: string;
  content: string;
  /** Write only when the file does not exist yet (9999-override.conf). */
  createOnly: boolean;
}

function renderSettings(title: string, settings: Record<string, GucValue>): string {
  const lines = Object.keys(settings)
    .sort()
    .map((name) => ({ name, value: formatGucValue(settings[name]!) }));
  return renderTemplate(TEMPLATE, { title, settings: lines });
}

/** The four conf.d files of a host. */
export function confDFiles(input: SettingsInput): ConfFile[] {
  const version: PostgresVersion = input.cluster.postgresVersion;
  const all = m1Settings(input);
  const reload: Record<string, GucValue> = {};
  const restart: Record<string, GucValue> = {};
  for (const [name, v] of Object.entries(all)) (settingContext(name, version) === 'restart' ? restart : reload)[name] = v;
  return [
    { path: `${CONF_D}/${CONF_FILES.reload}`, content: renderSettings('m1 defaults a reload applies', reload), createOnly: false },
    { path: `${CONF_D}/${CONF_FILES.restart}`, content: renderSettings('m1 defaults that need a restart', restart), createOnly: false },
    {
      path: `${CONF_D}/${CONF_FILES.custom}`,
      content: renderSettings('postgres_conf_settings from config.yml (cluster_vars, then the instance vars)', customSettings(input.cluster, input.instance)),
      createOnly: false,
    },
    { path: `${CONF_D}/${CONF_FILES.override}`, content: renderTemplate('roles/postgres/templates/override.conf.hbs', {}), createOnly: true },
  ];
}

/** postgresql.conf itself: only the include of conf.d (initdb's long sample is replaced). */
export function postgresqlConf(): string {
  return renderTemplate('roles/postgres/templates/postgresql.conf.hbs', {});
}
