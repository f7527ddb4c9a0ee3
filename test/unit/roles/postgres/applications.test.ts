import { describe, expect, it } from 'vitest';
import {
  applicationAttributes,
  applicationDatabases,
  applicationPasswordUsers,
  applicationUsers,
  createDatabaseSql,
  missingExtensions,
} from '../../../../src/products/postgres/applications.js';
import { M1_DATABASE_USERS } from '../../../../src/config/variables.js';
import { PASSWORD_USERS, pgbouncerGetAuthSql } from '../../../../src/products/postgres/users.js';
import { PATRONI_REWIND_USER } from '../../../../src/products/patroni/settings.js';
import { EFM_DB_USER } from '../../../../roles/efm/role.js';
import { defaultCluster } from '../fixtures.js';

describe('application users and databases', () => {
  it('makes user app owning database app when config.yml names neither', () => {
    const c = defaultCluster();
    expect(applicationUsers(c).map((u) => u.username)).toEqual(['app']);
    expect(applicationDatabases(c)).toEqual([{ name: 'app', owner: 'app', extensions: [] }]);
    expect(applicationPasswordUsers(c)).toEqual(['app']);
  });

  it("takes TPA's lists as given, and no app when either is set", () => {
    const c = defaultCluster({ postgres_users: [{ username: 'shop' }, { username: 'ro', generate_password: false, role_attrs: ['nologin'] }] });
    expect(applicationUsers(c).map((u) => u.username)).toEqual(['shop', 'ro']);
    expect(applicationDatabases(c)).toEqual([]);
    expect(applicationPasswordUsers(c)).toEqual(['shop']);
    expect(applicationAttributes(applicationUsers(c)[1]!)).toEqual({ superuser: false, login: false, replication: false, createdb: false, createrole: false });
    expect(applicationUsers(defaultCluster({ postgres_databases: ['shop'] }))).toEqual([]);
  });

  it('creates a database only when missing, with its options quoted by format()', () => {
    const sql = createDatabaseSql({ name: 'geo', owner: 'shop', template: 'template0', encoding: 'UTF8', lc_collate: 'C.UTF-8', extensions: [] });
    expect(sql).toContain("format('CREATE DATABASE %I OWNER %I TEMPLATE %I ENCODING %L LC_COLLATE %L', 'geo', 'shop', 'template0', 'UTF8', 'C.UTF-8')");
    expect(sql).toContain("WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'geo')\\gexec");
    expect(missingExtensions({ name: 'geo', owner: 'shop', extensions: ['hstore', 'citext'] }, ['plpgsql', 'citext'])).toEqual(['hstore']);
  });

  it("m1's users are the ones kept inside: every one it logs in as, and PgBouncer's auth function refuses them", () => {
    for (const u of [...PASSWORD_USERS, PATRONI_REWIND_USER, EFM_DB_USER]) expect(M1_DATABASE_USERS).toContain(u);
    const fn = pgbouncerGetAuthSql();
    expect(fn).toContain('AND NOT a.rolsuper AND NOT a.rolreplication');
    for (const u of M1_DATABASE_USERS) expect(fn).toContain(`'${u}'`);
  });
});
