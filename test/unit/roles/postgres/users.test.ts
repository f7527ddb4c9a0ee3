import { describe, expect, it } from 'vitest';
import { scramVerifier } from '../../../../src/secrets/scram.js';
import {
  barmanGrantsMissingSql,
  barmanGrantsSql,
  desiredBarmanRole,
  desiredRole,
  ensureDatabaseSql,
  ensureRoleSql,
  parseRoleFacts,
  pgbouncerGetAuthCheckSql,
  pgbouncerGetAuthSql,
  roleAttributes,
  roleDifferences,
} from '../../../../src/products/postgres/users.js';

const V = scramVerifier('s3cret-password', { salt: Buffer.alloc(16, 7) });

describe('role attributes (reference 4.9)', () => {
  it('repmgr superuser; streaming_barman and replication REPLICATION; barman and pgbouncer_auth_user plain', () => {
    expect(roleAttributes('repmgr')).toMatchObject({ superuser: true, login: true, replication: false });
    expect(roleAttributes('streaming_barman')).toMatchObject({ superuser: false, replication: true, login: true });
    expect(roleAttributes('replication')).toMatchObject({ superuser: false, replication: true });
    // Barman 2.12 (Debian 11) backs up as a non-superuser only with REPLICATION.
    expect(roleAttributes('barman')).toMatchObject({ superuser: false, replication: true, login: true });
    expect(roleAttributes('pgbouncer_auth_user')).toMatchObject({ superuser: false, replication: false, login: true });
    expect(roleAttributes('barman_role')).toMatchObject({ login: false, superuser: false });
    expect(desiredRole('barman', V).memberOf).toEqual(['barman_role']);
  });

  it('refuses a plaintext password where a verifier belongs', () => {
    expect(() => desiredRole('repmgr', 's3cret-password')).toThrow(/expected a SCRAM-SHA-256 verifier/);
  });
});

describe('ensureRoleSql', () => {
  const sql = ensureRoleSql(desiredRole('barman', V));
  it('carries the verifier, never the password', () => {
    expect(sql).toContain(`PASSWORD '${V}'`);
    expect(sql).not.toContain('s3cret-password');
  });
  it('creates when missing, alters attributes and password only when they differ', () => {
    expect(sql).toContain('CREATE ROLE "barman" NOSUPERUSER LOGIN REPLICATION NOCREATEDB NOCREATEROLE PASSWORD');
    expect(sql).toContain('IF NOT (r.rolsuper = false AND r.rolcanlogin = true AND r.rolreplication = true');
    expect(sql).toContain(`IF r.rolpassword IS DISTINCT FROM '${V}' THEN`);
    expect(sql).toContain(`IF NOT pg_has_role('barman', 'barman_role', 'MEMBER') THEN`);
  });
  it('sets no password on a NOLOGIN group role', () => {
    const g = ensureRoleSql(desiredBarmanRole());
    expect(g).toContain('CREATE ROLE "barman_role" NOSUPERUSER NOLOGIN');
    expect(g).not.toContain('PASSWORD');
  });
});

describe('roleDifferences', () => {
  const facts = parseRoleFacts(
    [
      `barman|f|t|t|f|f|${V}|barman_role`,
      `repmgr|f|t|f|f|f|${V}|`,
      'streaming_barman|f|t|t|f|f|md5abcdef0123456789abcdef0123456789|',
    ].join('\n'),
  );
  const byName = (n: string) => facts.find((f) => f.name === n);
  it('nothing when the role is as desired (a redeploy changes nothing)', () => {
    expect(roleDifferences(desiredRole('barman', V), byName('barman'))).toEqual([]);
  });
  it('names a lost attribute, a changed verifier and a missing role', () => {
    expect(roleDifferences(desiredRole('repmgr', V), byName('repmgr'))).toEqual(['superuser false -> true']);
    expect(roleDifferences(desiredRole('streaming_barman', V), byName('streaming_barman'))).toEqual(['password']);
    expect(roleDifferences(desiredRole('replication', V), undefined)).toEqual(['missing']);
  });
  it('parses memberships', () => {
    expect(byName('barman')!.memberOf).toEqual(['barman_role']);
    expect(byName('repmgr')!.memberOf).toEqual([]);
  });
});

describe('barman_role grants', () => {
  it('uses pg_backup_start/stop and pg_checkpoint from 15', () => {
    const sql = barmanGrantsSql(15);
    expect(sql).toContain('GRANT EXECUTE ON FUNCTION pg_catalog.pg_backup_start(text, boolean) TO "barman_role";');
    expect(sql).toContain('GRANT EXECUTE ON FUNCTION pg_catalog.pg_backup_stop(boolean) TO "barman_role";');
    expect(sql).toContain('GRANT "pg_checkpoint" TO "barman_role";');
    expect(sql).not.toContain('pg_start_backup');
  });
  it('uses pg_start/stop_backup before 15', () => {
    const sql = barmanGrantsSql(14);
    expect(sql).toContain('pg_catalog.pg_start_backup(text, boolean, boolean)');
    expect(sql).toContain('pg_catalog.pg_stop_backup(boolean, boolean)');
    expect(sql).not.toContain('pg_checkpoint');
    expect(barmanGrantsMissingSql(14)).toContain("has_function_privilege('barman_role', 'pg_catalog.pg_stop_backup()', 'EXECUTE')");
  });
});

describe('pgbouncer_get_auth', () => {
  it('is SECURITY DEFINER with a fixed search_path, hides expired passwords and is not executable by PUBLIC', () => {
    const sql = pgbouncerGetAuthSql();
    expect(sql).toContain('LANGUAGE plpgsql SECURITY DEFINER');
    expect(sql).toContain('SET search_path = pg_catalog, pg_temp');
    expect(sql).toContain('CASE WHEN a.rolvaliduntil < now() THEN NULL ELSE a.rolpassword END');
    expect(sql).toContain('REVOKE ALL ON FUNCTION public.pgbouncer_get_auth(text) FROM PUBLIC;');
    expect(sql).toContain('GRANT EXECUTE ON FUNCTION public.pgbouncer_get_auth(text) TO "pgbouncer_auth_user";');
  });
  it('the check compares the body m1 writes', () => {
    expect(pgbouncerGetAuthCheckSql()).toContain("p.prosrc = '\nBEGIN");
  });
});

describe('ensureDatabaseSql', () => {
  it('creates the database only when missing, through \\gexec', () => {
    expect(ensureDatabaseSql('repmgr', 'repmgr')).toBe(
      "SELECT format('CREATE DATABASE %I OWNER %I', 'repmgr', 'repmgr')\n WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'repmgr')\\gexec\n",
    );
  });
});

import { postgresPgpass } from '../../../../src/products/postgres/pgpass.js';
describe('~postgres/.pgpass', () => {
  it('has one wildcard-host line per user, sorted, so it survives a failover unchanged', () => {
    expect(postgresPgpass({ repmgr: 'r', postgres: 'p:1', replication: 'x' })).toBe('*:*:*:postgres:p\\:1\n*:*:*:replication:x\n*:*:*:repmgr:r\n');
  });
});

import { pgbouncerAuthDatabases } from '../../../../src/products/postgres/users.js';
describe('pgbouncerAuthDatabases', () => {
  it('covers template1, postgres and every user database, never template0', () => {
    expect(pgbouncerAuthDatabases(['app', 'postgres', 'template0', 'repmgr'])).toEqual(['app', 'postgres', 'repmgr', 'template1']);
  });
});
