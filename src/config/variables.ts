/**
 * Every variable m1 reads from `cluster_vars` or an instance's `vars`,
 * declared once: its kind (type, range or allowed values), its default and
 * what it does. The loader checks config.yml against these specs (every
 * problem at once, with file:line), roles read variables only through the
 * accessors in vars.ts, typed by this map (an undeclared name does not
 * compile), and `m1 validate --vars` prints it as the reference.
 *
 * TPA's variables m1 accepts but does not use are declared with `tpaOnly`:
 * they are known (no did-you-mean warning, listed by --vars) and unchecked.
 *
 * Scope: `cluster` variables are read from cluster_vars only (one value for
 * the whole cluster); `host` variables from an instance's vars first
 * (instance_defaults' included), then cluster_vars, as TPA's host vars win
 * over its group vars.
 */
import { isIP } from 'node:net';
import { FAILOVER_MANAGERS, POSTGRES_VERSIONS } from '../inventory/cluster.js';
import { DEBIAN_VERSION } from '../inventory/debianVersion.js';
import {
  GUC_NAME,
  absolutePath,
  account,
  address,
  bool,
  controlProblem,
  cronSchedule,
  custom,
  document,
  hostnameItem,
  int,
  listOf,
  mapOf,
  oneOf,
  parsedBad,
  parsedOk,
  port,
  scalarValue,
  setting,
  shown,
  text,
  tpaOnly,
  type Parsed,
  type VarProblem,
  type VarSpec,
} from './varKinds.js';

// --- kinds only one variable has --------------------------------------------

function cidr(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string') return parsedBad(`expected an address/prefix such as 10.0.0.0/8, got ${shown(raw)}`);
  const [addr, prefix, ...rest] = raw.split('/');
  const family = isIP(addr ?? '');
  const bits = family === 4 ? 32 : 128;
  if (rest.length === 0 && family !== 0 && prefix !== undefined && /^\d{1,3}$/.test(prefix) && Number(prefix) <= bits) return parsedOk(raw);
  return parsedBad(`${shown(raw)} is not an address/prefix (e.g. 10.0.0.0/8)`);
}

/** One pg_hba.conf line per item. */
function hbaLine(raw: unknown): Parsed<string> {
  if (typeof raw !== 'string') return parsedBad(`expected a pg_hba.conf line, got ${shown(raw)}`);
  const p = controlProblem(raw);
  return p ? parsedBad(`one pg_hba.conf line per list item: ${shown(raw)} ${p}`) : parsedOk(raw);
}

export interface PgbouncerDatabase {
  /** Name clients ask for; `*` matches any (TPA's default single entry). */
  name: string;
  /** Extra libpq/PgBouncer options (dbname, pool_size...); host, port and auth_user are m1's. */
  options: Readonly<Record<string, string | number>>;
}

/** Options m1 sets on every pgbouncer database line itself (they follow the primary). */
const PGBOUNCER_RESERVED_OPTIONS = new Set(['host', 'port', 'auth_user']);

function pgbouncerDatabase(item: unknown): Parsed<PgbouncerDatabase> {
  const entry = typeof item === 'string' ? { name: item, options: {} } : item;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || typeof (entry as { name?: unknown }).name !== 'string') {
    return parsedBad('expected a database name or {name, options}');
  }
  const { name, options = {} } = entry as { name: string; options?: unknown };
  if (!/^(\*|[A-Za-z0-9_.-]+)$/.test(name)) return parsedBad(`${JSON.stringify(name)} is not a database name`, ['name']);
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return parsedBad('expected a mapping of option: value', ['options']);
  const problems: VarProblem[] = [];
  const opts: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(options)) {
    if (PGBOUNCER_RESERVED_OPTIONS.has(k)) problems.push({ path: ['options', k], message: `${k} is set by m1 (it follows the primary)` });
    else if (!/^[a-z_]+$/.test(k) || (typeof v !== 'string' && typeof v !== 'number') || /[\s'"\u0000-\u001f\u007f]/.test(String(v))) {
      problems.push({ path: ['options', k], message: 'expected a plain option name and a value without spaces or quotes' });
    } else opts[k] = v;
  }
  return problems.length ? { ok: false, problems } : parsedOk({ name, options: opts });
}

/**
 * Database roles m1 makes itself (and the secrets beside them): an
 * application user may not take one of these names.
 */

export const M1_DATABASE_USERS: readonly string[] = ['postgres', 'repmgr', 'barman', 'streaming_barman', 'replication', 'pgbouncer_auth_user', 'efm', 'rewind'];

/** Those, m1's group role and the other secrets m1 stores (PgBouncer's console, Patroni's REST API): names no application user may take. */
export const M1_ROLE_NAMES: ReadonlySet<string> = new Set([...M1_DATABASE_USERS, 'barman_role', 'pgbouncer', 'patroni', 'haproxy']);

/** A role or database name m1 can store a secret for and quote anywhere. */
const DB_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** One of TPA's postgres_users entries, as m1 supports it. */
export interface PostgresUserEntry {
  username: string;
  /** Generate a password into secrets/ (TPA's default); false makes a role without one. */
  generate_password: boolean;
  /** CREATE ROLE options, upper-case ([NO]SUPERUSER, [NO]LOGIN ...). */
  role_attrs: string[];
  granted_roles: string[];
}

/** The role options m1 sets (the attributes it reads back from pg_authid). */
export const ROLE_ATTRS: readonly string[] = ['SUPERUSER', 'CREATEDB', 'CREATEROLE', 'LOGIN', 'REPLICATION'].flatMap((a) => [a, `NO${a}`]);

function dbName(raw: unknown, what: string): Parsed<string> {
  return typeof raw === 'string' && DB_NAME.test(raw) ? parsedOk(raw) : parsedBad(`${shown(raw)} is not a ${what} name m1 accepts (lower-case letters, digits, _)`);
}

function nameList(raw: unknown, what: string, path: string): { value: string[]; problems: VarProblem[] } {
  if (raw === undefined) return { value: [], problems: [] };
  if (!Array.isArray(raw)) return { value: [], problems: [{ path: [path], message: `expected a list, got ${shown(raw)}` }] };
  const value: string[] = [];
  const problems: VarProblem[] = [];
  raw.forEach((v, k) => {
    const item = typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as { name?: unknown }).name : v;
    const r = dbName(item, what);
    if (r.ok) value.push(r.value);
    else problems.push({ path: [path, k], message: r.problems[0]!.message });
  });
  return { value, problems };
}

function unknownKeys(entry: object, known: readonly string[]): VarProblem[] {
  return Object.keys(entry)
    .filter((k) => !known.includes(k))
    .map((k) => ({ path: [k], message: `m1 does not support ${k} here (it knows ${known.join(', ')})` }));
}

function postgresUser(item: unknown): Parsed<PostgresUserEntry> {
  const entry = typeof item === 'string' ? { username: item } : item;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return parsedBad('expected {username, generate_password, role_attrs, granted_roles}');
  const e = entry as Record<string, unknown>;
  const problems = unknownKeys(e, ['username', 'generate_password', 'role_attrs', 'granted_roles']);
  const name = dbName(e['username'], 'user');
  if (!name.ok) problems.push({ path: ['username'], message: name.problems[0]!.message });
  else if (M1_ROLE_NAMES.has(name.value)) problems.push({ path: ['username'], message: `${name.value} is a role m1 manages itself` });
  const gen = e['generate_password'] ?? true;
  if (typeof gen !== 'boolean') problems.push({ path: ['generate_password'], message: `expected true or false, got ${shown(gen)}` });
  const attrs: string[] = [];
  const rawAttrs = e['role_attrs'] ?? [];
  if (!Array.isArray(rawAttrs)) problems.push({ path: ['role_attrs'], message: `expected a list, got ${shown(rawAttrs)}` });
  else
    rawAttrs.forEach((a, k) => {
      const up = typeof a === 'string' ? a.toUpperCase() : '';
      if (ROLE_ATTRS.includes(up)) attrs.push(up);
      else problems.push({ path: ['role_attrs', k], message: `${shown(a)}: m1 sets ${ROLE_ATTRS.join(', ')}` });
    });
  const granted = nameList(e['granted_roles'], 'role', 'granted_roles');
  problems.push(...granted.problems);
  if (problems.length || !name.ok) return { ok: false, problems };
  return parsedOk({ username: name.value, generate_password: gen === true, role_attrs: attrs, granted_roles: granted.value });
}

/** One of TPA's postgres_databases entries, as m1 supports it. */
export interface PostgresDatabaseEntry {
  name: string;
  /** Default postgres, as TPA. */
  owner: string;
  encoding?: string;
  lc_collate?: string;
  lc_ctype?: string;
  template?: string;
  /** Created in the database when missing (languages too: they are extensions). */
  extensions: string[];
}

const LOCALE_VALUE = /^[A-Za-z0-9_.@-]{1,64}$/;

function postgresDatabase(item: unknown): Parsed<PostgresDatabaseEntry> {
  const entry = typeof item === 'string' ? { name: item } : item;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return parsedBad('expected {name, owner, encoding, lc_collate, lc_ctype, template, extensions}');
  const e = entry as Record<string, unknown>;
  const problems = unknownKeys(e, ['name', 'owner', 'encoding', 'lc_collate', 'lc_ctype', 'template', 'extensions', 'languages']);
  const name = dbName(e['name'], 'database');
  if (!name.ok) problems.push({ path: ['name'], message: name.problems[0]!.message });
  else if (['postgres', 'template0', 'template1', 'repmgr'].includes(name.value)) problems.push({ path: ['name'], message: `${name.value} is a database m1 or Postgres makes itself` });
  const owner = e['owner'] === undefined ? parsedOk('postgres') : dbName(e['owner'], 'user');
  if (!owner.ok) problems.push({ path: ['owner'], message: owner.problems[0]!.message });
  const out: Partial<PostgresDatabaseEntry> = {};
  for (const k of ['encoding', 'lc_collate', 'lc_ctype', 'template'] as const) {
    const v = e[k];
    if (v === undefined) continue;
    if (typeof v === 'string' && LOCALE_VALUE.test(v)) out[k] = v;
    else problems.push({ path: [k], message: `${shown(v)} is not a ${k} value m1 accepts (letters, digits, _ . @ -)` });
  }
  const ext = nameList(e['extensions'], 'extension', 'extensions');
  const lang = nameList(e['languages'], 'language', 'languages');
  problems.push(...ext.problems, ...lang.problems);
  if (problems.length || !name.ok || !owner.ok) return { ok: false, problems };
  return parsedOk({ name: name.value, owner: owner.value, ...out, extensions: [...new Set([...ext.value, ...lang.value])] });
}

function edbRepository(raw: unknown): Parsed<string> {
  return typeof raw === 'string' && /^[a-z0-9][a-z0-9_-]*$/.test(raw)
    ? parsedOk(raw)
    : parsedBad(`expected an EDB repository name such as standard or enterprise, got ${shown(raw)}`);
}

/** A property value as EFM reads it: unquoted, one per line; null writes an empty value. */
function efmPropertyValue(raw: unknown): Parsed<string> {
  if (raw === null) return parsedOk('');
  if (typeof raw === 'boolean') return parsedOk(raw ? 'true' : 'false');
  const r = scalarValue(raw);
  if (!r.ok) return parsedBad('expected a string, number, boolean or null on one line');
  return parsedOk(String(r.value));
}

/** A postgresql.conf setting overridden by a variable of its own name (TPA's rule). */
function guc<D extends string | number | boolean | undefined = undefined>(meaning: string, dflt?: D, defaultText?: string) {
  const s = setting({ scope: 'host', meaning: `postgresql.conf ${meaning}`, default: dflt as D, ...(defaultText ? { defaultText } : {}) });
  return { ...s, postgresSetting: true as const };
}

// --- the map ----------------------------------------------------------------------

export const VARIABLES = {
  // The cluster (load.ts parses these three itself, with its own messages).
  failover_manager: oneOf(FAILOVER_MANAGERS, { scope: 'cluster', meaning: 'repmgr, efm or patroni: who promotes a replica when the primary fails (required)' }),
  postgres_version: custom(
    `one of ${POSTGRES_VERSIONS.join(', ')}`,
    { scope: 'cluster', meaning: 'PostgreSQL major version on every data node (required)' },
    (raw) => {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
      return (POSTGRES_VERSIONS as readonly number[]).includes(n) ? parsedOk(n) : parsedBad(`expected one of ${POSTGRES_VERSIONS.join(', ')}, got ${shown(raw)}`);
    },
  ),
  postgres_flavour: oneOf(['postgresql'], { scope: 'cluster', default: 'postgresql', meaning: "the server distribution (m1: the community's PostgreSQL)" }),

  // Reaching the hosts (bare platform).
  ansible_host: address({ scope: 'host', meaning: 'address m1 connects to over SSH when the instance has no ip_address (bare)' }),
  ansible_port: port({ scope: 'host', default: 22, meaning: 'SSH port of the host (bare)' }),
  ansible_user: account({ scope: 'host', default: 'root', meaning: 'login on the host over SSH; not root: it must have passwordless sudo (bare)' }),

  // /etc/hosts
  hostname_aliases: listOf('list of host names', hostnameItem, {
    scope: 'host',
    default: [],
    meaning: "more names for the instance's address in every host's /etc/hosts (localhost and its kin reserved)",
  }),

  // Postgres
  postgres_port: port({ scope: 'host', default: 5432, meaning: 'Postgres port as EFM reaches it (m1 runs Postgres on 5432)' }),
  postgres_user: account({ scope: 'host', default: 'postgres', meaning: 'OS account Postgres runs as, as EFM names it (sudoers, properties)' }),
  postgres_data_dir: absolutePath({ scope: 'host', default: '/opt/postgres/data', meaning: 'data directory as EFM names it' }),
  postgres_bin_dir: absolutePath({
    scope: 'host',
    defaultText: '/usr/lib/postgresql/<postgres_version>/bin',
    meaning: "Postgres' programs as EFM runs them",
  }),
  postgres_conf_settings: mapOf('mapping of setting: value', GUC_NAME, 'a setting name (letters, digits and _, optionally class.name)', scalarValue, {
    scope: 'host',
    meaning: 'postgresql.conf settings (9900-postgres_conf_settings.conf; under Patroni: the DCS, per node in patroni.yml); an instance\'s keys override cluster_vars\' one by one',
  }),
  postgres_client_networks: listOf('list of address/prefix', cidr, {
    scope: 'cluster',
    default: ['0.0.0.0/0'],
    meaning: 'networks whose clients pg_hba.conf lets in (hostssl, scram-sha-256)',
  }),
  postgres_hba_settings: listOf('list of pg_hba.conf lines', hbaLine, {
    scope: 'cluster',
    default: [],
    meaning: 'extra pg_hba.conf lines, written as given before the client lines',
  }),

  postgres_users: listOf('list of {username, generate_password, role_attrs, granted_roles}', postgresUser, {
    scope: 'cluster',
    defaultText: 'user app (when neither postgres_users nor postgres_databases is set)',
    single: false,
    meaning: 'application users m1 creates on the primary (passwords generated into secrets/)',
  }),
  postgres_databases: listOf('list of {name, owner, encoding, lc_collate, lc_ctype, template, extensions}', postgresDatabase, {
    scope: 'cluster',
    defaultText: 'database app owned by app (when neither postgres_users nor postgres_databases is set)',
    single: false,
    meaning: 'application databases m1 creates on the primary, with their extensions',
  }),

  // postgresql.conf settings a same-named variable overrides (m1's defaults, TPA's rule);
  // those without a default here are computed per host (products/postgres/settings.ts).
  // connections and sockets
  listen_addresses: guc('listen_addresses', '*'),
  port: guc('port', undefined, "5432 (m1's layout)"),
  unix_socket_directories: guc('unix_socket_directories', undefined, "/var/run/postgresql (m1's layout)"),
  max_connections: guc('max_connections', 250),
  superuser_reserved_connections: guc('superuser_reserved_connections', 3),
  tcp_keepalives_idle: guc('tcp_keepalives_idle', 53),
  tcp_keepalives_interval: guc('tcp_keepalives_interval', 7),
  tcp_keepalives_count: guc('tcp_keepalives_count', 9),
  cluster_name: guc('cluster_name', undefined, 'the instance name'),
  // memory, sized from the host
  shared_buffers: guc('shared_buffers', undefined, 'a quarter of the host memory'),
  effective_cache_size: guc('effective_cache_size', undefined, 'half of the host memory'),
  work_mem: guc('work_mem', '16MB'),
  maintenance_work_mem: guc('maintenance_work_mem', '64MB'),
  max_prepared_transactions: guc('max_prepared_transactions', 0),
  // replication: room for every node twice (clones, Barman, pg_rewind), never below PostgreSQL's defaults
  wal_level: guc('wal_level', 'logical'),
  wal_log_hints: guc('wal_log_hints', true),
  max_wal_senders: guc('max_wal_senders', undefined, 'max(10, 2 × Postgres nodes)'),
  max_replication_slots: guc('max_replication_slots', undefined, 'max(10, 2 × Postgres nodes + 3)'),
  max_worker_processes: guc('max_worker_processes', undefined, 'max(16, 2 × Postgres nodes)'),
  hot_standby: guc('hot_standby', true),
  hot_standby_feedback: guc('hot_standby_feedback', true),
  max_standby_streaming_delay: guc('max_standby_streaming_delay', '30s'),
  wal_sender_timeout: guc('wal_sender_timeout', '60s'),
  wal_receiver_timeout: guc('wal_receiver_timeout', '60s'),
  track_commit_timestamp: guc('track_commit_timestamp', false),
  // archiving on from the start (changing archive_mode needs a restart); WAL reaches Barman by streaming
  archive_mode: guc('archive_mode', true),
  archive_command: guc('archive_command', '/bin/true'),
  archive_timeout: guc('archive_timeout', '6h'),
  // checkpoints and WAL size
  checkpoint_timeout: guc('checkpoint_timeout', '30min'),
  checkpoint_completion_target: guc('checkpoint_completion_target', 0.9),
  max_wal_size: guc('max_wal_size', '4GB'),
  // a dead replica's or Barman's slot cannot fill the primary's disk: past this the slot is invalidated
  max_slot_wal_keep_size: guc('max_slot_wal_keep_size (PostgreSQL 13 and later): WAL a replication slot may hold back before PostgreSQL invalidates it', '8GB'),
  min_wal_size: guc('min_wal_size', '128MB'),
  // a fenced or crashed primary keeps the WAL pg_rewind reads to rejoin it (its shutdown checkpoint may otherwise recycle it)
  wal_keep_size: guc('wal_keep_size (PostgreSQL 13 and later): WAL kept for standbys and for pg_rewind of a former primary', '512MB'),
  synchronous_commit: guc('synchronous_commit', 'on'),
  // TLS and passwords
  ssl: guc('ssl', true),
  ssl_cert_file: guc('ssl_cert_file', undefined, "the host's certificate m1 installs"),
  ssl_key_file: guc('ssl_key_file', undefined, "the host's key m1 installs"),
  ssl_ciphers: guc('ssl_ciphers', 'HIGH:!3DES:!aNULL'),
  ssl_min_protocol_version: guc('ssl_min_protocol_version (PostgreSQL 12 and later)', 'TLSv1.2'),
  password_encryption: guc('password_encryption', 'scram-sha-256'),
  // logging to stderr, which systemd hands to the journal (journalctl -u postgres)
  log_destination: guc('log_destination', 'stderr'),
  logging_collector: guc('logging_collector', false),
  log_line_prefix: guc('log_line_prefix', '%t [%u@%r/%a/%d:%p]: [%l] '),
  log_checkpoints: guc('log_checkpoints', true),
  log_lock_waits: guc('log_lock_waits', true),
  log_statement: guc('log_statement', 'ddl'),
  log_min_duration_statement: guc('log_min_duration_statement', '5s'),

  // repmgr
  repmgr_redirect_pgbouncer: bool({ scope: 'cluster', default: false, meaning: "repmgr's promotion repoints every PgBouncer at the new primary" }),
  synchronous_replication: oneOf(['off', 'on', 'strict'], {
    scope: 'cluster',
    default: 'off',
    meaning: 'on: each commit waits for one standby (ANY 1), the primary runs alone (a warning in m1 status) when none is left; strict: it refuses writes instead (repmgr: kept by m1-fence; Patroni: synchronous_mode)',
  }),
  notification_command: absolutePath({
    scope: 'cluster',
    meaning: 'an executable on every Postgres host, run (in the background, 60 s at most) on promote, fence and rejoin: <source> <event> <node> <success> (src/products/notify/notify.ts)',
  }),
  repmgr_fence: bool({
    scope: 'cluster',
    default: true,
    meaning: 'a primary that sees fewer than a majority of the voters (data nodes and witness, three or more) stops taking writes before repmgr can promote another (m1-fence.service)',
  }),
  repmgr_fence_after: int({ scope: 'cluster', min: 2, max: 60, default: 5, unit: 's', meaning: 'seconds without a majority before the primary fences itself (keep it well below the 12 s of outage repmgrd rides out before it fails over)' }),
  repmgr_restore_from_barman: bool({ scope: 'host', default: false, meaning: 'restore_command fetches WAL from Barman on standbys (each start and promotion asks Barman)' }),
  repmgr_use_slots: bool({ scope: 'host', default: true, meaning: 'standbys stream through replication slots (use_replication_slots)' }),
  repmgr_failover: oneOf(['automatic', 'manual'], { scope: 'host', default: 'automatic', meaning: 'whether repmgrd promotes a standby by itself' }),
  repmgr_location: text({
    scope: 'host',
    pattern: /^[A-Za-z0-9_.-]+$/,
    type: 'name',
    expected: 'a location name (letters, digits, _ . -)',
    meaning: "repmgr's location: only standbys in the primary's location promote (unset: repmgr's default)",
  }),
  repmgr_priority: int({ scope: 'host', min: -1, default: -1, meaning: 'promotion priority (0: never promoted; -1: repmgr\'s default, 100)' }),
  repmgr_monitor_interval_secs: int({ scope: 'host', min: 1, default: 2, unit: 's', meaning: 'how often repmgrd checks its upstream' }),
  repmgr_reconnect_attempts: int({ scope: 'host', min: 1, default: 3, meaning: 'failed checks of the primary before a failover' }),
  repmgr_reconnect_interval: int({ scope: 'host', min: 1, default: 3, unit: 's', meaning: 'seconds between those checks' }),

  // EFM
  efm_version: custom(
    'version (4.x, 5.x)',
    { scope: 'cluster', default: '4.9', meaning: 'EFM release to install and configure' },
    (raw) => {
      const t = typeof raw === 'number' ? String(raw) : raw;
      if (typeof t !== 'string' || !/^\d+\.\d+$/.test(t)) return parsedBad(`expected an EFM version like '4.9' or '5.2' (quoted), got ${shown(raw)}`);
      if (!['4', '5'].includes(t.split('.')[0]!)) return parsedBad(`EFM ${t} is not supported; m1 knows EFM 4.x and 5.x`);
      return parsedOk(t);
    },
  ),
  efm_bind_by_hostname: bool({ scope: 'cluster', default: false, meaning: 'EFM agents name each other by host name instead of IP address' }),
  efm_bind_port: port({ scope: 'cluster', default: 7800, meaning: "EFM agents' port (bind.address)" }),
  efm_user_password_encryption: oneOf(['md5', 'scram-sha-256'], { scope: 'cluster', default: 'md5', meaning: "pg_hba.conf method for the efm user's connections" }),
  efm_conf_settings: mapOf('mapping of property: value', /^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a property name (letters, digits, dots, dashes and underscores)', efmPropertyValue, {
    scope: 'host',
    meaning: "efm.properties values overriding m1's (a VIP, notifications); an instance's keys override cluster_vars' one by one",
  }),
  edb_repositories: listOf('list of EDB repository names', edbRepository, {
    scope: 'cluster',
    default: ['standard'],
    meaning: "EDB's repositories EFM is installed from",
  }),
  edb_repository_url: text({
    scope: 'cluster',
    pattern: /^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/,
    type: 'https URL',
    expected: "an https:// address (EDB's repositories)",
    meaning: "where EDB's repository setup script is fetched from (needed with EFM)",
  }),

  // Patroni and etcd
  patroni_dcs_namespace: text({
    scope: 'cluster',
    default: 'm1',
    pattern: /^\/?[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/?$/,
    type: 'key prefix',
    expected: 'a key prefix (letters, digits, _ . - and /)',
    meaning: "Patroni's keys live under /<namespace>/<cluster>/ in etcd",
  }),
  patroni_listen_port: port({ scope: 'host', default: 8008, meaning: "Patroni's REST API port (HAProxy checks it)" }),
  patroni_rewind_enabled: bool({ scope: 'cluster', default: true, meaning: 'a former primary rejoins with pg_rewind' }),
  patroni_conf_settings: document({ scope: 'cluster', meaning: 'merged into every patroni.yml (null deletes a key)' }),
  patroni_dynamic_conf_settings: document({ scope: 'cluster', meaning: "merged into the DCS configuration (null deletes a key)" }),
  etcd_client_port: port({ scope: 'cluster', default: 2379, meaning: "etcd's client port" }),
  etcd_peer_port: port({ scope: 'cluster', default: 2380, meaning: "etcd's peer port" }),
  etcd_heartbeat_interval: int({ scope: 'cluster', min: 1, default: 250, unit: 'ms', meaning: "etcd's heartbeat interval" }),
  etcd_election_timeout: int({ scope: 'cluster', min: 1, max: 50000, default: 2500, unit: 'ms', meaning: "etcd's election timeout (at least 5 × the heartbeat interval)" }),

  // Packages
  postgres_package_version: text({
    scope: 'cluster',
    pattern: DEBIAN_VERSION,
    type: 'package version',
    expected: 'a Debian package version, e.g. 15.20-0+deb12u1 (apt-cache policy postgresql-15 lists those the hosts offer)',
    meaning:
      "the PostgreSQL server and client packages' version (TPA's): deploy installs it on a host that has none and never changes an installed one; m1 upgrade upgrades to it (unset: the newest the hosts' apt sources offer)",
  }),

  // Barman
  barman_backup_interval: cronSchedule({ scope: 'cluster', default: '0 4 * * wed,sat', meaning: "when Barman takes a base backup (/etc/cron.d/m1_barman's schedule)" }),
  barman_backup_method: oneOf(['rsync', 'postgres'], { scope: 'host', default: 'rsync', meaning: 'how Barman copies a base backup (set on the Barman instance or cluster_vars)' }),
  barman_retention_policy: text({
    scope: 'cluster',
    default: 'RECOVERY WINDOW OF 4 WEEKS',
    pattern: /^(REDUNDANCY \d+|RECOVERY WINDOW OF \d+ (DAYS?|WEEKS?|MONTHS?))$/i,
    type: 'retention policy',
    expected: "Barman's retention policy (REDUNDANCY n or RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS)",
    meaning: 'how long Barman keeps backups',
  }),
  barman_minimum_redundancy: int({ scope: 'cluster', min: 0, default: 1, meaning: 'backups Barman never deletes below' }),
  barman_last_backup_maximum_age: text({
    scope: 'cluster',
    default: '1 WEEK',
    pattern: /^\d+ (DAYS?|WEEKS?|MONTHS?)$/i,
    type: 'age',
    expected: 'an age such as 1 WEEK or 3 DAYS',
    meaning: 'barman check fails when the newest backup is older',
  }),
  backup_name: text({
    scope: 'host',
    pattern: /^(?!all$)(?!_)[a-z0-9_-]*[a-z0-9-]$/,
    type: 'Barman server name',
    expected: 'a Barman server name (lower-case letters, digits, _ and -, not starting or ending with _; not "all")',
    defaultText: '<cluster> or <cluster>_<instance>',
    meaning: "the Barman server that backs this instance up (set beside `backup:`)",
  }),

  // PgBouncer
  pgbouncer_pool_mode: oneOf(['session', 'transaction', 'statement'], { scope: 'host', default: 'session', meaning: "PgBouncer's pool_mode" }),
  pgbouncer_max_client_conn: int({ scope: 'host', min: 1, defaultText: "90% of Postgres' max_connections", meaning: "PgBouncer's max_client_conn" }),
  pgbouncer_default_pool_size: int({ scope: 'host', min: 1, default: 20, meaning: "PgBouncer's default_pool_size" }),
  pgbouncer_databases: listOf('list of names or {name, options}', pgbouncerDatabase, {
    scope: 'cluster',
    default: [{ name: '*', options: {} }],
    defaultText: '[*]',
    single: false,
    meaning: "PgBouncer's [databases] entries (each points at the primary)",
  }),

  // HAProxy
  haproxy_backend_servers: listOf('list of instance names', hostnameItem, { scope: 'host', default: [], meaning: 'the data nodes this HAProxy routes to (required on haproxy instances)' }),
  haproxy_bind_address: address({ scope: 'host', wildcard: true, default: '0.0.0.0', meaning: 'address HAProxy listens on' }),
  haproxy_port: port({ scope: 'host', default: 5432, meaning: 'HAProxy port leading to the primary' }),
  haproxy_read_only_port: port({ scope: 'host', default: 5433, meaning: 'HAProxy port leading to the replicas' }),
  haproxy_stats_port: port({ scope: 'host', default: 8404, meaning: "HAProxy's statistics page, on 127.0.0.1 only" }),

  // TPA's variables m1 accepts and does not use.
  preferred_python_version: tpaOnly("TPA's Python on the hosts (m1 needs none)"),
  use_volatile_subscriptions: tpaOnly("TPA's repository subscriptions"),
  apt_repository_list: tpaOnly("TPA's extra apt repositories"),
  yum_repository_list: tpaOnly("TPA's extra yum repositories"),
  suse_repository_list: tpaOnly("TPA's extra zypper repositories"),
  epas_redwood_compat: tpaOnly("TPA's EPAS Oracle compatibility"),
  etcd_location: tpaOnly("TPA's location of the etcd nodes (m1: every etcd instance)"),
  patroni_package_flavour: tpaOnly("TPA's Patroni package source (m1: Debian's package)"),
  enable_pg_backup_api: tpaOnly("TPA's Barman REST API"),
  install_from_source: tpaOnly("TPA's source builds"),
  packages: tpaOnly("TPA's extra packages"),
  optional_packages: tpaOnly("TPA's optional packages"),
  extra_postgres_packages: tpaOnly("TPA's extra Postgres packages"),
  repmgr_package_version: tpaOnly("TPA's pinned repmgr package version"),
  barman_package_version: tpaOnly("TPA's pinned Barman package version"),
  pgbouncer_package_version: tpaOnly("TPA's pinned PgBouncer package version"),
  patroni_package_version: tpaOnly("TPA's pinned Patroni package version"),
  etcd_package_version: tpaOnly("TPA's pinned etcd package version"),
  postgres_conf_template: tpaOnly("TPA's postgresql.conf template"),
  postgres_conf_dir: tpaOnly("TPA's configuration directory (m1: the data directory's conf.d)"),
  postgres_conf_files: tpaOnly("TPA's extra configuration files"),
  postgres_wal_dir: tpaOnly("TPA's separate WAL directory"),
  postgres_group: tpaOnly("TPA's Postgres OS group"),
  postgres_home: tpaOnly("TPA's postgres home directory"),
  postgres_locale: tpaOnly("TPA's initdb locale"),
  postgres_tablespaces: tpaOnly("TPA's tablespaces"),
  postgres_extensions: tpaOnly("TPA's extensions"),
  postgres_hba_template: tpaOnly("TPA's pg_hba.conf template"),
  postgres_service_end_state: tpaOnly("TPA's service state after deploy"),
  shared_preload_libraries: tpaOnly("m1 computes it; add libraries under postgres_conf_settings.shared_preload_libraries"),
  hba_force_hostssl: tpaOnly("TPA's hostssl-only rules (m1 writes hostssl for clients)"),
  hba_force_certificate_auth: tpaOnly("TPA's certificate authentication"),
  hba_cert_authentication_map: tpaOnly("TPA's certificate user map"),
  replication_user: tpaOnly("TPA's replication user name"),
  use_replication_slots: tpaOnly("TPA's slots switch (m1: repmgr_use_slots)"),
  primary_slot_name: tpaOnly("TPA's slot name (m1 names slots itself)"),
  extra_postgres_extensions: tpaOnly("TPA's extra extensions"),
  cluster_ssh_port: tpaOnly("TPA's SSH port between hosts"),
  manage_ssh_hostkeys: tpaOnly("TPA's host key management (m1 always manages them)"),
  allow_package_upgrades: tpaOnly("TPA's package upgrades on deploy"),
  included_tasks: tpaOnly("TPA's task selection"),
  excluded_tasks: tpaOnly("TPA's task selection"),
  repmgr_conf_settings: tpaOnly("TPA's extra repmgr.conf settings"),
  repmgr_conf_dir: tpaOnly("TPA's repmgr configuration directory"),
  repmgr_event_notifications: tpaOnly("TPA's repmgr event notifications"),
  repmgr_event_notification_command: tpaOnly("TPA's repmgr event notification command"),
  efm_conf_dir: tpaOnly("TPA's EFM configuration directory"),
  efm_bin_dir: tpaOnly("TPA's EFM program directory"),
  patroni_dcs: tpaOnly("TPA's DCS choice (m1: etcd)"),
  patroni_ssl_enabled: tpaOnly("TPA's Patroni REST API TLS"),
  patroni_replication_user: tpaOnly("TPA's Patroni replication user"),
  patroni_watchdog: tpaOnly("TPA's Patroni watchdog"),
  etcd_initial_cluster_state: tpaOnly("TPA's etcd bootstrap state"),
  barman_user: tpaOnly("TPA's Barman OS user (m1: barman)"),
  barman_group: tpaOnly("TPA's Barman OS group"),
  barman_home: tpaOnly("TPA's Barman home (m1: /var/lib/barman)"),
  barman_role: tpaOnly("TPA's Barman database role"),
  barman_archiver: tpaOnly("TPA's archive_command-based archiving (m1 streams WAL)"),
  barman_compression: tpaOnly("TPA's Barman WAL compression"),
  barman_log_file: tpaOnly("TPA's Barman log file"),
  barman_parallel_jobs: tpaOnly("TPA's Barman parallel jobs"),
  barman_network_compression: tpaOnly("TPA's Barman network compression"),
  barman_reuse_backup: tpaOnly("TPA's Barman reuse_backup"),
  barman_recovery_options: tpaOnly("TPA's Barman recovery options"),
  barman_shared: tpaOnly("TPA's shared Barman server"),
  barman_server_conf: tpaOnly("TPA's extra Barman server settings"),
  pgbouncer_backend: tpaOnly("TPA's PgBouncer backend (m1 follows the live primary)"),
  pgbouncer_backend_port: tpaOnly("TPA's PgBouncer backend port"),
  pgbouncer_port: tpaOnly("TPA's PgBouncer port (m1: 6432)"),
  pgbouncer_auth_user: tpaOnly("TPA's PgBouncer auth_user (m1: pgbouncer_auth_user)"),
  pgbouncer_auth_database: tpaOnly("TPA's PgBouncer auth database"),
  pgbouncer_use_cert_authentication: tpaOnly("TPA's PgBouncer certificate authentication"),
  pgbouncer_listen_addr: tpaOnly("TPA's PgBouncer listen address (m1: *)"),
  haproxy_read_only_load_balancer_enabled: tpaOnly("TPA's read-only HAProxy switch (m1: always on)"),
  haproxy_server_options: tpaOnly("TPA's extra HAProxy server options"),
  haproxy_maxconn: tpaOnly("TPA's HAProxy maxconn (m1: 90% of max_connections per server)"),
  haproxy_peers: tpaOnly("TPA's HAProxy peers"),
};

// Checked here rather than with `satisfies`, whose contextual type would widen every spec's inferred default and scope.
const _everyEntryIsASpec: Record<string, VarSpec<any, any, any>> = VARIABLES;
void _everyEntryIsASpec;

export type VariableName = keyof typeof VARIABLES;

/** Names m1 reads (not TPA's accepted-only ones), by scope. */
type ReadSpecs = { [K in VariableName as (typeof VARIABLES)[K] extends { read: false } ? never : K]: (typeof VARIABLES)[K] };
export type ReadVariable = keyof ReadSpecs;
export type ClusterVariable = { [K in ReadVariable]: ReadSpecs[K] extends VarSpec<any, any, 'cluster'> ? K : never }[ReadVariable];
export type HostVariable = { [K in ReadVariable]: ReadSpecs[K] extends VarSpec<any, any, 'host'> ? K : never }[ReadVariable];

/** The type a variable reads as: its spec's value, `| undefined` when it has no default of its own. */
export type VariableValue<K extends VariableName> =
  (typeof VARIABLES)[K] extends VarSpec<infer T, infer D, any> ? (undefined extends D ? T | undefined : T) : never;

/** postgresql.conf settings a same-named variable overrides. */
export type PostgresSettingVariable = { [K in HostVariable]: (typeof VARIABLES)[K] extends { postgresSetting: true } ? K : never }[HostVariable];
export const POSTGRES_SETTING_VARIABLES: readonly PostgresSettingVariable[] = (Object.keys(VARIABLES) as VariableName[]).filter(
  (k): k is PostgresSettingVariable => 'postgresSetting' in VARIABLES[k],
);

export function isVariableName(name: string): name is VariableName {
  return Object.hasOwn(VARIABLES, name);
}

export function variableSpec(name: VariableName): VarSpec {
  return VARIABLES[name] as VarSpec;
}

/** For the did-you-mean warning. */
export const VARIABLE_NAMES: ReadonlySet<string> = new Set(Object.keys(VARIABLES));
