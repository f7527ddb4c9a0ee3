/**
 * Database users of an M1 cluster (reference 4.9) and the SQL that makes them
 * so. Passwords never appear in SQL: callers pass the SCRAM verifier computed
 * in m1 (src/secrets/scram.ts, reusing the stored salt), so re-running changes
 * nothing. Run the SQL through psql's stdin, never as a command argument.
 */
import { HostError } from '../../errors.js';
import type { PostgresVersion } from '../../inventory/cluster.js';
import { parseScramVerifier } from '../../secrets/scram.js';
import { ident, literal } from './sqlQuote.js';
import { M1_DATABASE_USERS } from '../../config/variables.js';

export type DbUser = 'postgres' | 'repmgr' | 'barman' | 'streaming_barman' | 'replication' | 'pgbouncer_auth_user';

/** Users with a password in <cluster-dir>/secrets (the group role barman_role has none). */
export const PASSWORD_USERS: readonly DbUser[] = ['postgres', 'repmgr', 'barman', 'streaming_barman', 'replication', 'pgbouncer_auth_user'];

export const BARMAN_ROLE = 'barman_role';

export interface RoleAttributes {
  superuser: boolean;
  login: boolean;
  replication: boolean;
  createdb: boolean;
  createrole: boolean;
}

export interface DesiredRole {
  name: string;
  attributes: RoleAttributes;
  /** SCRAM verifier to store; undefined for NOLOGIN group roles. */
  verifier?: string;
  /** Roles this one must be a member of. */
  memberOf: string[];
}

/** What pg_authid says about a role now (ROLE_FACTS_SQL). */
export interface RoleFact {
  name: string;
  attributes: RoleAttributes;
  /** rolpassword (a verifier, an md5 hash, or null). */
  password: string | null;
  memberOf: string[];
}

const PLAIN: RoleAttributes = { superuser: false, login: true, replication: false, createdb: false, createrole: false };

/** Attributes of each m1 user (postgres is the initdb superuser; it keeps CREATEDB/CREATEROLE). */
const ATTRIBUTES: Readonly<Record<DbUser | typeof BARMAN_ROLE, RoleAttributes>> = {
  postgres: { superuser: true, login: true, replication: true, createdb: true, createrole: true },
  // repmgr needs a superuser (standby_disconnect_on_failover, pg_rewind via node rejoin).
  repmgr: { ...PLAIN, superuser: true },
  // REPLICATION: Barman 2.12 (Debian 11) takes a non-superuser for one that may back up only when
  // pg_user.userepl is set (its has_backup_privileges(); switch-wal fails without it). Barman 3 does not
  // ask for it, and it changes nothing else there: pg_hba admits replication connections from the
  // cluster's own hosts only, and the Barman host holds streaming_barman's password anyway.
  barman: { ...PLAIN, replication: true },
  streaming_barman: { ...PLAIN, replication: true },
  replication: { ...PLAIN, replication: true },
  pgbouncer_auth_user: PLAIN,
  [BARMAN_ROLE]: { ...PLAIN, login: false },
};

export function roleAttributes(user: DbUser | typeof BARMAN_ROLE): RoleAttributes {
  return ATTRIBUTES[user];
}

export function desiredRole(user: DbUser, verifier: string): DesiredRole {
  if (!parseScramVerifier(verifier)) throw new Error(`role ${user}: expected a SCRAM-SHA-256 verifier, not a password or a hash`);
  return { name: user, attributes: roleAttributes(user), verifier, memberOf: user === 'barman' ? [BARMAN_ROLE] : [] };
}

export function desiredBarmanRole(): DesiredRole {
  return { name: BARMAN_ROLE, attributes: roleAttributes(BARMAN_ROLE), memberOf: [] };
}

function attributeSql(a: RoleAttributes): string {
  return [
    a.superuser ? 'SUPERUSER' : 'NOSUPERUSER',
    a.login ? 'LOGIN' : 'NOLOGIN',
    a.replication ? 'REPLICATION' : 'NOREPLICATION',
    a.createdb ? 'CREATEDB' : 'NOCREATEDB',
    a.createrole ? 'CREATEROLE' : 'NOCREATEROLE',
  ].join(' ');
}

/**
 * One row per role: name|super|login|repl|createdb|createrole|password|member_of (comma-separated).
 * For `psql -AtF '|'`; needs a superuser (pg_authid).
 */
export const ROLE_FACTS_SQL = `SELECT r.rolname, r.rolsuper, r.rolcanlogin, r.rolreplication, r.rolcreatedb, r.rolcreaterole,
       coalesce(r.rolpassword, ''),
       coalesce((SELECT string_agg(g.rolname, ',' ORDER BY g.rolname)
                   FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                  WHERE m.member = r.oid), '')
  FROM pg_authid r
 WHERE r.rolname !~ '^pg_'
 ORDER BY r.rolname`;

/** Parses the output of ROLE_FACTS_SQL (psql -At -F '|'; booleans as t/f). */
export function parseRoleFacts(output: string): RoleFact[] {
  const facts: RoleFact[] = [];
  for (const line of output.split('\n')) {
    if (!line.trim()) continue;
    const f = line.split('|');
    if (f.length < 8) throw new HostError(`role facts: unexpected line ${JSON.stringify(line.slice(0, 40))}`);
    const t = (s: string | undefined): boolean => s === 't';
    facts.push({
      name: f[0]!,
      attributes: { superuser: t(f[1]), login: t(f[2]), replication: t(f[3]), createdb: t(f[4]), createrole: t(f[5]) },
      password: f[6] ? f[6] : null,
      memberOf: f[7] ? f[7].split(',') : [],
    });
  }
  return facts;
}

/** What differs between a role as it is and as it should be; empty when nothing does. */
export function roleDifferences(desired: DesiredRole, current: RoleFact | undefined): string[] {
  if (!current) return ['missing'];
  const out: string[] = [];
  for (const k of Object.keys(desired.attributes) as (keyof RoleAttributes)[]) {
    if (desired.attributes[k] !== current.attributes[k]) out.push(`${k} ${current.attributes[k]} -> ${desired.attributes[k]}`);
  }
  if (desired.verifier !== undefined && desired.verifier !== current.password) out.push('password');
  for (const g of desired.memberOf) if (!current.memberOf.includes(g)) out.push(`member of ${g}`);
  return out;
}

/**
 * Creates the role when missing, else alters its attributes and verifier only
 * where they differ, and grants missing memberships: one DO block, idempotent
 * on its own (safe to run again), saying what it did through NOTICEs that
 * never include the verifier.
 */
export function ensureRoleSql(desired: DesiredRole): string {
  const name = ident(desired.name);
  const attrs = attributeSql(desired.attributes);
  const pw = desired.verifier !== undefined ? ` PASSWORD ${literal(desired.verifier)}` : '';
  const a = desired.attributes;
  const same = [
    `r.rolsuper = ${a.superuser}`,
    `r.rolcanlogin = ${a.login}`,
    `r.rolreplication = ${a.replication}`,
    `r.rolcreatedb = ${a.createdb}`,
    `r.rolcreaterole = ${a.createrole}`,
  ].join(' AND ');
  const lines = [
    'DO $m1_role$',
    'DECLARE',
    '  r pg_authid%ROWTYPE;',
    '  existed boolean;',
    'BEGIN',
    `  SELECT * INTO r FROM pg_authid WHERE rolname = ${literal(desired.name)};`,
    '  existed := FOUND;',
    '  IF NOT existed THEN',
    `    CREATE ROLE ${name} ${attrs}${pw};`,
    `    RAISE NOTICE 'm1: created role %', ${literal(desired.name)};`,
    '  ELSE',
    `    IF NOT (${same}) THEN`,
    `      ALTER ROLE ${name} ${attrs};`,
    `      RAISE NOTICE 'm1: altered role %', ${literal(desired.name)};`,
    '    END IF;',
  ];
  if (desired.verifier !== undefined) {
    lines.push(
      `    IF r.rolpassword IS DISTINCT FROM ${literal(desired.verifier)} THEN`,
      `      ALTER ROLE ${name}${pw};`,
      `      RAISE NOTICE 'm1: set the password of role %', ${literal(desired.name)};`,
      '    END IF;',
    );
  }
  lines.push('  END IF;');
  for (const g of desired.memberOf) {
    lines.push(
      `  IF NOT pg_has_role(${literal(desired.name)}, ${literal(g)}, 'MEMBER') THEN`,
      `    GRANT ${ident(g)} TO ${name};`,
      `    RAISE NOTICE 'm1: granted % to %', ${literal(g)}, ${literal(desired.name)};`,
      '  END IF;',
    );
  }
  lines.push('END', '$m1_role$;');
  return lines.join('\n') + '\n';
}

/**
 * What barman_role must be allowed (Barman's documented non-superuser setup):
 * the backup functions of the version, pg_switch_wal, pg_create_restore_point,
 * and membership in pg_read_all_settings, pg_read_all_stats and (15+) pg_checkpoint.
 */
export function barmanFunctions(version: PostgresVersion): string[] {
  const backup =
    version >= 15
      ? ['pg_backup_start(text, boolean)', 'pg_backup_stop(boolean)']
      : ['pg_start_backup(text, boolean, boolean)', 'pg_stop_backup()', 'pg_stop_backup(boolean, boolean)'];
  return [...backup, 'pg_switch_wal()', 'pg_create_restore_point(text)'];
}

export function barmanRoleMemberships(version: PostgresVersion): string[] {
  return version >= 15 ? ['pg_read_all_settings', 'pg_read_all_stats', 'pg_checkpoint'] : ['pg_read_all_settings', 'pg_read_all_stats'];
}

/** One row per missing grant (empty output: nothing to do). */
export function barmanGrantsMissingSql(version: PostgresVersion): string {
  const fns = barmanFunctions(version).map((f) => `SELECT 'execute ${f}' WHERE NOT has_function_privilege(${literal(BARMAN_ROLE)}, ${literal(`pg_catalog.${f}`)}, 'EXECUTE')`);
  const roles = barmanRoleMemberships(version).map((r) => `SELECT 'member of ${r}' WHERE NOT pg_has_role(${literal(BARMAN_ROLE)}, ${literal(r)}, 'MEMBER')`);
  return [...fns, ...roles].join('\nUNION ALL\n') + ';\n';
}

/** The grants themselves (each a no-op when already granted). */
export function barmanGrantsSql(version: PostgresVersion): string {
  const fns = barmanFunctions(version).map((f) => `GRANT EXECUTE ON FUNCTION pg_catalog.${f} TO ${ident(BARMAN_ROLE)};`);
  const roles = barmanRoleMemberships(version).map((r) => `GRANT ${ident(r)} TO ${ident(BARMAN_ROLE)};`);
  return [...fns, ...roles].join('\n') + '\n';
}

/** Creates a database owned by `owner` when missing (CREATE DATABASE cannot run in a DO block: psql's \gexec does it). */
export function ensureDatabaseSql(database: string, owner: string): string {
  return (
    `SELECT format('CREATE DATABASE %I OWNER %I', ${literal(database)}, ${literal(owner)})\n` +
    ` WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${literal(database)})\\gexec\n`
  );
}

/**
 * pgbouncer_get_auth(): what PgBouncer's auth_query calls as
 * pgbouncer_auth_user to fetch a client's verifier. SECURITY DEFINER with a
 * fixed search_path (the owner is a superuser), NULL for expired passwords
 * (PgBouncer's own default query does the same since CVE-2025-2291), and
 * EXECUTE for pgbouncer_auth_user only. No row for superusers, replication
 * roles and m1's service users: PgBouncer then refuses them, so port 6432
 * lets none of them in (pg_hba cannot: PgBouncer connects from inside).
 *
 * PgBouncer 1.18 (Debian bookworm) runs auth_query in the database the client
 * asks for (auth_dbname came in 1.19), so the function goes into every
 * database clients may use: template1 (inherited by new databases), postgres
 * and each existing user database.
 */
export const PGBOUNCER_AUTH_USER = 'pgbouncer_auth_user';

export const PGBOUNCER_GET_AUTH_BODY = `
BEGIN
    RETURN QUERY
    SELECT a.rolname::text,
           CASE WHEN a.rolvaliduntil < now() THEN NULL ELSE a.rolpassword END
      FROM pg_catalog.pg_authid a
     WHERE a.rolname = p_usename AND a.rolcanlogin
       AND NOT a.rolsuper AND NOT a.rolreplication
       AND a.rolname <> ALL (ARRAY[${M1_DATABASE_USERS.map((u) => `'${u}'`).join(', ')}]);
END
`;

export function pgbouncerGetAuthSql(): string {
  return [
    'CREATE OR REPLACE FUNCTION public.pgbouncer_get_auth(p_usename text)',
    'RETURNS TABLE(username text, password text)',
    'LANGUAGE plpgsql SECURITY DEFINER',
    'SET search_path = pg_catalog, pg_temp',
    `AS $m1_fn$${PGBOUNCER_GET_AUTH_BODY}$m1_fn$;`,
    'REVOKE ALL ON FUNCTION public.pgbouncer_get_auth(text) FROM PUBLIC;',
    `GRANT EXECUTE ON FUNCTION public.pgbouncer_get_auth(text) TO ${ident(PGBOUNCER_AUTH_USER)};`,
    '',
  ].join('\n');
}

/**
 * Prints `ok` when the function is there as m1 writes it (same body, security
 * definer, executable by pgbouncer_auth_user and not by PUBLIC); nothing otherwise.
 */
export function pgbouncerGetAuthCheckSql(): string {
  return [
    "SELECT 'ok' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace",
    " WHERE n.nspname = 'public' AND p.proname = 'pgbouncer_get_auth'",
    `   AND p.prosecdef AND p.prosrc = ${literal(PGBOUNCER_GET_AUTH_BODY)}`,
    `   AND has_function_privilege(${literal(PGBOUNCER_AUTH_USER)}, p.oid, 'EXECUTE')`,
    // A NULL acl means the default one, which lets PUBLIC execute.
    '   AND p.proacl IS NOT NULL',
    "   AND NOT EXISTS (SELECT 1 FROM aclexplode(p.proacl) x WHERE x.grantee = 0 AND x.privilege_type = 'EXECUTE');",
    '',
  ].join('\n');
}

/** Connectable databases, one per line (psql -At). */
export const DATABASES_SQL = "SELECT datname FROM pg_database WHERE datallowconn ORDER BY datname;\n";

/**
 * Where pgbouncer_get_auth() must exist for PgBouncer 1.18: template1 (so
 * databases created later have it) and every connectable database.
 */
export function pgbouncerAuthDatabases(connectable: readonly string[]): string[] {
  return [...new Set(['template1', 'postgres', ...connectable.filter((d) => d !== 'template0')])].sort();
}
