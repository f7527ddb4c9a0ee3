/**
 * The one read that tells deploy the state of a server's catalog (roles,
 * databases, slots, grants, repmgr registration, restore_command), so a
 * converged server costs one command, not one per check.
 */
import { defineFact } from '../engine/index.js';
import { quote } from '../engine/shell/quote.js';
import { hasRole, type Cluster, type PostgresVersion } from '../inventory/cluster.js';
import { barmanHostFor } from '../products/barman/serverName.js';
import { POSTGRES_PORT, SOCKET_DIR, binDir } from '../products/postgres/layout.js';
import { asPostgres } from '../products/postgres/run.js';
import { DATABASES_SQL, ROLE_FACTS_SQL, barmanGrantsMissingSql, parseRoleFacts, pgbouncerGetAuthCheckSql, type RoleFact } from '../products/postgres/users.js';
import { AUTO_CONF_RESTORE_COMMAND_SQL } from '../products/repmgr/restoreCommand.js';
import { REPMGR_NODES_SQL, parseRepmgrNodes, type RepmgrNodeRow } from '../products/repmgr/sql.js';
import { PRIMARY_CONNINFO_RELOADS, PRIMARY_CONNINFO_VERIFIES_SQL } from '../products/repmgr/primaryConninfo.js';
import { REPMGR_NODE_EVENTS_SQL, parseNodeEvents, type NodeEvents } from '../products/repmgr/staleRepmgrd.js';

export interface CatalogOptions {
  version: PostgresVersion;
  /** Check barman_role's grants. */
  barman: boolean;
  /** Check pgbouncer_get_auth() in every connectable database. */
  pgbouncer: boolean;
  /** Read repmgr.nodes from the repmgr database. */
  repmgr: boolean;
  /** Databases whose extensions to list (application databases that name some). */
  extensionsIn?: readonly string[];
}

const MARK = '@@m1:';

/**
 * One shell command printing sections `@@m1:<name>` with their rows, from ONE
 * psql session (psql's \\gset and \\if skip what does not exist yet: the
 * barman_role, the repmgr database or schema). Exits non-zero only when the
 * server does not answer. pgbouncer_get_auth() is per database: one more
 * connection per database, only when PgBouncer is configured.
 */
export function buildCatalogCommand(o: CatalogOptions): string {
  const psql = (db: string) => `${binDir(o.version)}/psql -XAtq -F '|' -h ${SOCKET_DIR} -p ${POSTGRES_PORT} -d ${db}`;
  const main = [
    `\\echo ${MARK}roles`,
    ROLE_FACTS_SQL + ';',
    `\\echo ${MARK}databases`,
    DATABASES_SQL.trim(),
    `\\echo ${MARK}slots`,
    'SELECT slot_name, active FROM pg_replication_slots ORDER BY slot_name;',
    `\\echo ${MARK}recovery`,
    'SELECT pg_is_in_recovery();',
  ];
  if (o.barman) {
    main.push(
      `\\echo ${MARK}barman`,
      "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'barman_role') AS m1_has_barman_role \\gset",
      '\\if :m1_has_barman_role',
      barmanGrantsMissingSql(o.version).trim(),
      '\\else',
      '\\echo role barman_role',
      '\\endif',
    );
  }
  if (o.repmgr) {
    main.push(
      `\\echo ${MARK}repmgr`,
      "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'repmgr') AS m1_has_repmgr_db \\gset",
      '\\if :m1_has_repmgr_db',
      '\\c repmgr',
      "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'repmgr' AND tablename = 'nodes') AS m1_has_repmgr_nodes \\gset",
      '\\if :m1_has_repmgr_nodes',
      REPMGR_NODES_SQL + ';',
      `\\echo ${MARK}repmgr_promoted`,
      REPMGR_NODE_EVENTS_SQL + ';',
      '\\endif',
      '\\endif',
    );
    // Last: \c above left the session in the repmgr database (pg_file_settings is cluster-wide).
    if (o.version >= 12) main.push(`\\echo ${MARK}restore_command`, AUTO_CONF_RESTORE_COMMAND_SQL + ';');
    if (o.version >= PRIMARY_CONNINFO_RELOADS) main.push(`\\echo ${MARK}primary_conninfo_verifies`, PRIMARY_CONNINFO_VERIFIES_SQL + ';');
  }
  const script = [`${psql('postgres')} -v ON_ERROR_STOP=1 <<'M1_SQL' || exit $?`, ...main, 'M1_SQL'];
  if (o.pgbouncer) {
    script.push(
      `for db in $(${psql('postgres')} -c ${quote(DATABASES_SQL.trim())}); do`,
      `  echo "${MARK}pgbouncer_fn $db"`,
      `  ${psql('"$db"')} <<'M1_SQL' 2>/dev/null`,
      pgbouncerGetAuthCheckSql().trim(),
      'M1_SQL',
      'done',
    );
  }
  for (const db of o.extensionsIn ?? []) {
    // A database not created yet lists nothing (its psql fails quietly).
    script.push(`echo ${quote(`${MARK}extensions ${db}`)}`, `${psql(quote(db))} -c 'SELECT extname FROM pg_extension ORDER BY 1' 2>/dev/null`);
  }
  script.push('true');
  return asPostgres(script.join('\n'));
}

export interface CatalogState {
  roles: RoleFact[];
  databases: string[];
  slots: { name: string; active: boolean }[];
  inRecovery: boolean;
  /** Missing barman_role grants ("execute ...", "member of ..."). */
  barmanMissing: string[];
  repmgrNodes: RepmgrNodeRow[];
  /** Each node's last successful promotion and follow or rejoin in repmgr.events, epoch seconds. */
  repmgrNodeEvents: Map<number, NodeEvents>;
  /** Databases where pgbouncer_get_auth() is as m1 writes it. */
  pgbouncerFunctionIn: string[];
  /** Extensions per database listed (extensionsIn). */
  extensions: Record<string, string[]>;
  /** restore_command in postgresql.auto.conf (read in repmgr clusters from Postgres 12), undefined when it has none. */
  autoConfRestoreCommand: string | undefined;
  /** A standby's primary_conninfo verifies its upstream (read in repmgr clusters from Postgres 13); undefined on a primary. */
  primaryConninfoVerifies: boolean | undefined;
}

export function parseCatalog(stdout: string): CatalogState {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(MARK)) {
      current = [];
      sections.set(line.slice(MARK.length).trim(), current);
    } else if (current && line.trim()) current.push(line);
  }
  const rows = (name: string) => sections.get(name) ?? [];
  const fnIn: string[] = [];
  const extensions: Record<string, string[]> = {};
  for (const [name, body] of sections) {
    if (name.startsWith('pgbouncer_fn ') && body.some((l) => l.trim() === 'ok')) fnIn.push(name.slice('pgbouncer_fn '.length));
    if (name.startsWith('extensions ')) extensions[name.slice('extensions '.length)] = body.map((l) => l.trim());
  }
  const verifies = rows('primary_conninfo_verifies')[0];
  return {
    roles: parseRoleFacts(rows('roles').join('\n')),
    databases: rows('databases').map((l) => l.trim()),
    slots: rows('slots').map((l) => {
      const [name, active] = l.split('|');
      return { name: name!, active: active === 't' };
    }),
    inRecovery: rows('recovery')[0]?.trim() === 't',
    barmanMissing: rows('barman').map((l) => l.trim()),
    repmgrNodes: parseRepmgrNodes(rows('repmgr').join('\n')),
    repmgrNodeEvents: parseNodeEvents(rows('repmgr_promoted')),
    pgbouncerFunctionIn: fnIn,
    extensions,
    autoConfRestoreCommand: rows('restore_command')[0],
    primaryConninfoVerifies: verifies === undefined ? undefined : verifies.trim() === 't',
  };
}

/** Whose catalog is read: what deploy checks there differs. */
export type CatalogServer = 'primary' | 'standby' | 'witness';

/**
 * The catalog read of this host (cached per run; any command run afterwards
 * makes it read again). `repmgr`: the failover manager keeps its metadata in
 * a database of its own (repmgr.nodes), read too. Only the primary's read
 * checks barman_role's grants and pgbouncer_get_auth() in every database
 * (one more psql each): a standby has what the primary has, and a witness
 * neither.
 */
export function catalogFact(cluster: Cluster, server: CatalogServer, repmgr: boolean, extensionsIn: readonly string[] = []) {
  const primary = server === 'primary';
  const opts = {
    version: cluster.postgresVersion,
    barman: primary && barmanHostFor(cluster) !== undefined,
    pgbouncer: primary && cluster.instances.some((i) => hasRole(i, 'pgbouncer')),
    repmgr,
    extensionsIn,
  };
  return defineFact(`postgres-catalog-${JSON.stringify(opts)}`, buildCatalogCommand(opts), (r): CatalogState | undefined => (r.code === 0 ? parseCatalog(r.stdout) : undefined));
}
