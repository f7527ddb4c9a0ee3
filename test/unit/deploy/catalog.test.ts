import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { DeployContext } from '../../../roles/context.js';
import { preflightProblems } from '../../../playbooks/deploy/deploy.js';
import { Secrets } from '../../../src/engine/index.js';
import { scramVerifier } from '../../../src/secrets/index.js';
import { catalogChanges, usersFor } from '../../../roles/postgres/role.js';
import { repmgrPostgres } from '../../../roles/repmgr/postgres.js';
import { buildCatalogCommand, catalogFact, parseCatalog } from '../../../src/live/catalog.js';
import { NOTHING_LIVE } from '../../../src/inventory/liveTopology.js';
import { defaultCluster, twoLocationCluster } from '../roles/fixtures.js';

const passwords = { postgres: 'p0', repmgr: 'r1', barman: 'b2', streaming_barman: 's3', replication: 'l4', pgbouncer_auth_user: 'a5', pgbouncer: 'x6', app: 'c7' };

function ctx(cluster = defaultCluster()): DeployContext {
  return { cluster, live: NOTHING_LIVE, hosts: {}, secrets: new Secrets(), secretsDir: '/x', check: false, memoryMb: {}, skipPackages: new Set(), passwords };
}

/** What a server converged by m1 prints for the catalog read. */
function convergedOutput(cluster = defaultCluster()): string {
  const users = usersFor(cluster, false, repmgrPostgres(cluster));
  const roles = users.map((u) => `${u}|${u === 'postgres' || u === 'repmgr' ? 't' : 'f'}|t|${['postgres', 'replication', 'streaming_barman', 'barman'].includes(u) ? 't' : 'f'}|${u === 'postgres' ? 't|t' : 'f|f'}|${scramVerifier(passwords[u as keyof typeof passwords])}|${u === 'barman' ? 'barman_role' : ''}`);
  // The default application user app (a plain login role) and its database.
  const app = `app|f|t|f|f|f|${scramVerifier(passwords.app)}|`;
  return ['@@m1:roles', 'barman_role|f|f|f|f|f||pg_checkpoint,pg_read_all_settings,pg_read_all_stats', ...roles, app, '@@m1:databases', 'app', 'postgres', 'repmgr', 'template1', '@@m1:slots', 'repmgr_slot_2|t', '@@m1:recovery', 'f', '@@m1:barman', '@@m1:repmgr', '1|alpha|primary||t', '2|beta|standby|1|t'].join('\n');
}

describe('the catalog read and what it leads to', () => {
  it('on a standby or a witness is one psql session: barman_role\'s grants and pgbouncer_get_auth() are the primary\'s to check', () => {
    const cluster = twoLocationCluster();
    const psqls = (command: string) => command.match(/\/bin\/psql /g)?.length ?? 0;
    const primary = catalogFact(cluster, 'primary', true).command;
    expect(primary).toContain('pgbouncer_fn');
    expect(primary).toContain('barman_role');
    expect(psqls(primary)).toBeGreaterThan(1);
    for (const server of ['standby', 'witness'] as const) {
      const other = catalogFact(cluster, server, true).command;
      expect(psqls(other)).toBe(1);
      expect(other).not.toContain('barman_role');
      expect(other).toContain('@@m1:repmgr');
    }
  });

  it('is one valid sh script', () => {
    execFileSync('sh', ['-n', '-c', buildCatalogCommand({ version: 15, barman: true, pgbouncer: true, repmgr: true })]);
  });

  it('reads restore_command from postgresql.auto.conf only in repmgr clusters from Postgres 12', () => {
    expect(buildCatalogCommand({ version: 15, barman: true, pgbouncer: false, repmgr: true })).toMatch(/@@m1:restore_command[\s\S]*pg_file_settings/);
    expect(buildCatalogCommand({ version: 11, barman: true, pgbouncer: false, repmgr: true })).not.toMatch(/pg_file_settings/);
    expect(buildCatalogCommand({ version: 15, barman: true, pgbouncer: false, repmgr: false })).not.toMatch(/pg_file_settings/);
  });

  it("reads whether a standby's primary_conninfo verifies its upstream only in repmgr clusters from Postgres 13 (reloadable there); a primary answers nothing", () => {
    expect(buildCatalogCommand({ version: 15, barman: true, pgbouncer: false, repmgr: true })).toMatch(/@@m1:primary_conninfo_verifies[\s\S]*current_setting[\s\S]*pg_is_in_recovery/);
    expect(buildCatalogCommand({ version: 12, barman: true, pgbouncer: false, repmgr: true })).not.toContain('primary_conninfo_verifies');
    expect(buildCatalogCommand({ version: 15, barman: true, pgbouncer: false, repmgr: false })).not.toContain('primary_conninfo_verifies');
    expect(parseCatalog(convergedOutput()).primaryConninfoVerifies).toBeUndefined();
    expect(parseCatalog(convergedOutput() + '\n@@m1:primary_conninfo_verifies\n').primaryConninfoVerifies).toBeUndefined();
    expect(parseCatalog(convergedOutput() + '\n@@m1:primary_conninfo_verifies\nf\n').primaryConninfoVerifies).toBe(false);
    expect(parseCatalog(convergedOutput() + '\n@@m1:primary_conninfo_verifies\nt\n').primaryConninfoVerifies).toBe(true);
  });

  it('parses every section', () => {
    const s = parseCatalog(convergedOutput() + '\n@@m1:pgbouncer_fn postgres\nok\n@@m1:pgbouncer_fn template1\n');
    expect(s.databases).toEqual(['app', 'postgres', 'repmgr', 'template1']);
    expect(s.slots).toEqual([{ name: 'repmgr_slot_2', active: true }]);
    expect(s.inRecovery).toBe(false);
    expect(s.repmgrNodes.map((n) => [n.name, n.type, n.upstreamNodeId])).toEqual([['alpha', 'primary', undefined], ['beta', 'standby', 1]]);
    expect(s.pgbouncerFunctionIn).toEqual(['postgres']);
    expect(s.roles.find((r) => r.name === 'barman')?.memberOf).toEqual(['barman_role']);
    expect(s.autoConfRestoreCommand).toBeUndefined();
    expect(parseCatalog(convergedOutput() + '\n@@m1:restore_command\nbarman-wal-restore h s %f %p\n').autoConfRestoreCommand).toBe('barman-wal-restore h s %f %p');
  });

  it('a converged server needs no SQL: the stored salts are reused, so verifiers do not change', () => {
    const c = catalogChanges(ctx(), parseCatalog(convergedOutput()), false, repmgrPostgres(defaultCluster()));
    expect(c).toEqual({ sql: '', what: [], perDatabase: {} });
  });

  it('a fresh server gets every user, the repmgr database and the Barman grants, with no password in the SQL', () => {
    const fresh = parseCatalog('@@m1:roles\npostgres|t|t|t|t|t||\n@@m1:databases\npostgres\ntemplate1\n@@m1:barman\nrole barman_role\n');
    const c = catalogChanges(ctx(), fresh, false, repmgrPostgres(defaultCluster()));
    expect(c.what).toEqual(expect.arrayContaining(['role repmgr: missing', 'role barman: missing', 'database repmgr', 'role postgres: password', 'role app: missing', 'database app']));
    expect(c.sql).toMatch(/CREATE DATABASE %I OWNER %I', 'app', 'app'/);
    for (const p of Object.values(passwords)) expect(c.sql).not.toContain(`'${p}'`);
    expect(c.sql).toContain('GRANT EXECUTE ON FUNCTION pg_catalog.pg_switch_wal()');
  });

  it('with PgBouncer, pgbouncer_get_auth() goes where it is missing, the new repmgr and app databases included', () => {
    const cluster = twoLocationCluster();
    const fresh = parseCatalog('@@m1:roles\n@@m1:databases\npostgres\ntemplate1\n@@m1:pgbouncer_fn postgres\nok\n');
    expect(Object.keys(catalogChanges(ctx(cluster), fresh, false, repmgrPostgres(cluster)).perDatabase).sort()).toEqual(['app', 'repmgr', 'template1']);
  });

  it('the witness only gets postgres and repmgr', () => {
    expect(usersFor(defaultCluster(), true, repmgrPostgres(defaultCluster()))).toEqual(['postgres', 'repmgr']);
  });

  it('a cluster without the manager\'s own database (Patroni, EFM) gets no repmgr user or database', () => {
    const none = { preloadLibraries: [] };
    expect(usersFor(defaultCluster(), false, none)).not.toContain('repmgr');
    const fresh = parseCatalog('@@m1:roles\n@@m1:databases\npostgres\ntemplate1\n');
    expect(catalogChanges(ctx(), fresh, false, none).what).not.toContain('database repmgr');
  });
});

describe('refusals before any change', () => {
  it('names the hosts and the fix when the package sources lack the version', () => {
    const c = { ...defaultCluster(), postgresVersion: 16 as const };
    const none = { memoryMb: 1, running: false, confFiles: {}, candidate: '(none)' };
    const p = preflightProblems(c, { alpha: none, beta: none, gamma: none }, new Set());
    expect(p[0]).toMatch(/postgresql-16 is not available from the package sources of alpha, beta, gamma/);
    expect(p[0]).toMatch(/fix: set postgres_version in \/clusters\/m1\/config.yml/);
    expect(preflightProblems(c, { alpha: none }, new Set(['postgres']))).toEqual([]);
  });

  it('refuses a data directory of another major version', () => {
    const p = preflightProblems(defaultCluster(), { alpha: { memoryMb: 1, running: false, confFiles: {}, dataDirVersion: '13' } }, new Set());
    expect(p).toEqual(['alpha: /opt/postgres/data holds PostgreSQL 13 but config.yml says postgres_version 15; m1 deploy does not upgrade major versions']);
  });
});
