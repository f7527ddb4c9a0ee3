/**
 * The postgres role, on every host that runs Postgres (primary, replicas, a
 * repmgr witness): layout, unit, TLS, sudo rule, .pgpass; the data directory
 * (initdb on the primary and the witness; on replicas, as the failover
 * manager makes them); configuration (conf.d, pg_hba) with reloads through
 * the handler; the server started; users and databases on the writable
 * servers. Where failover managers differ, the role asks the manager's
 * PostgresManagement (roles/failoverManager.ts).
 *
 * Restart-context setting changes are NOT applied here: deploy plans them up
 * front and restarts, once, in its last stage (replicas before the primary).
 */
import { HostError } from '../../src/errors.js';
import type { DeployContext } from '../context.js';
import { passwordOf, tlsOf } from '../context.js';
import type { PostgresManagement } from '../failoverManager.js';
import { command, defineRole, directory, file, needsOf, reload, service, type HostContext, type Operation, type Role } from '../../src/engine/index.js';
import type { Cluster, Instance } from '../../src/inventory/cluster.js';
import { hasRole, instanceByName } from '../../src/inventory/cluster.js';
import { scramVerifierReusing } from '../../src/secrets/index.js';
import { barmanHostFor } from '../../src/products/barman/serverName.js';
import { effectiveRole } from '../../src/inventory/liveTopology.js';
import { pgHbaConf } from '../../src/products/postgres/hba.js';
import { applicationDatabases, applicationRole, applicationUsers, createDatabaseSql, createExtensionsSql, missingExtensions } from '../../src/products/postgres/applications.js';
import {
  CONF_D,
  DATA_DIR,
  POSTGRES_GROUP,
  POSTGRES_SERVICE,
  POSTGRES_USER,
  SERVICE_UNIT_PATH,
  SOCKET_DIR,
  SUDOERS_PATH,
  TMPFILES_PATH,
  dropDefaultClusterCommand,
  initdbCommand,
  sslCertPath,
  sslKeyPath,
  tmpfilesConf,
} from '../../src/products/postgres/layout.js';
import { POSTGRES_PGPASS, postgresPgpass } from '../../src/products/postgres/pgpass.js';
import { localPsql, asPostgres } from '../../src/products/postgres/run.js';
import { catalogFact, type CatalogState } from '../../src/live/catalog.js';
import { postgresServiceUnit } from '../../src/products/postgres/service.js';
import { FENCE_PATH } from '../../src/products/repmgr/fence.js';
import { confDFiles, postgresqlConf } from '../../src/products/postgres/settings.js';
import { postgresSudoers } from '../../src/products/postgres/sudoers.js';
import { VISUDO_CHECK } from '../../src/products/system/sudoers.js';
import { tlsReloadCommand, tlsReloadMarker } from '../../src/products/postgres/certificates.js';
import { clusterCaFileOps } from '../clusterCaFile.js';
import { sha256 } from '../../src/engine/operations/file.js';
import { quote } from '../../src/engine/shell/quote.js';
import { ident } from '../../src/products/postgres/sqlQuote.js';
import {
  PGBOUNCER_AUTH_USER,
  barmanGrantsSql,
  desiredBarmanRole,
  desiredRole,
  ensureDatabaseSql,
  ensureRoleSql,
  pgbouncerAuthDatabases,
  pgbouncerGetAuthSql,
  roleDifferences,
  type DbUser,
  type DesiredRole,
} from '../../src/products/postgres/users.js';

const own = { owner: POSTGRES_USER, group: POSTGRES_GROUP };

function hasPgbouncer(cluster: Cluster): boolean {
  return cluster.instances.some((i) => hasRole(i, 'pgbouncer'));
}

/** The database users a writable server must have. The witness only needs what its failover manager uses. */
export function usersFor(cluster: Cluster, witness: boolean, manager: PostgresManagement): DbUser[] {
  const users: DbUser[] = ['postgres'];
  if (manager.database) users.push(manager.database.user);
  if (witness) return users;
  users.push('replication');
  if (barmanHostFor(cluster)) users.push('barman', 'streaming_barman');
  if (hasPgbouncer(cluster)) users.push('pgbouncer_auth_user');
  return users;
}

/** Layout, unit, TLS, sudo and .pgpass: everything that does not need the data directory. */
function baseOps(ctx: DeployContext, i: Instance, manager: PostgresManagement): Operation[] {
  const v = ctx.cluster.postgresVersion;
  const managerUser = manager.database?.user;
  const pgpass = postgresPgpass({
    postgres: passwordOf(ctx, 'postgres'),
    replication: passwordOf(ctx, 'replication'),
    ...(managerUser ? { [managerUser]: passwordOf(ctx, managerUser) } : {}),
  });
  const fence = manager.fence?.(ctx.cluster, i);
  return [
    directory({ path: '/opt/postgres', owner: 'root', group: 'root', mode: '0755' }),
    directory({ path: DATA_DIR, ...own, mode: '0700' }),
    directory({ path: SOCKET_DIR, ...own, mode: '2775' }),
    file({ path: TMPFILES_PATH, content: tmpfilesConf(), owner: 'root', group: 'root', mode: '0644' }),
    // The fence before the unit that runs it.
    ...(fence ? [file({ path: FENCE_PATH, content: fence, owner: 'root', group: 'root', mode: '0755' })] : []),
    file({ path: SERVICE_UNIT_PATH, content: postgresServiceUnit(v, fence ? FENCE_PATH : undefined), owner: 'root', group: 'root', mode: '0644' }),
    file({ path: SUDOERS_PATH, content: postgresSudoers(), owner: 'root', group: 'root', mode: '0440', validate: VISUDO_CHECK }),
    file({ path: POSTGRES_PGPASS, content: pgpass, ...own, mode: '0600', sensitive: true }),
    // The package's own cluster (test images, hosts installed by hand) must not run beside m1's.
    command({
      name: `drop the package's default cluster ${v}/main`,
      cmd: dropDefaultClusterCommand(v),
      removes: `/etc/postgresql/${v}/main`,
      changed: (r) => r.stdout.includes('dropped'),
    }),
    ...tlsOps(ctx, i),
  ];
}

/**
 * The host's certificate pair and the cluster CA, as deploy issued them
 * (PgBouncer serves the same pair); a changed certificate makes a running
 * server reload, whoever runs it (systemd or Patroni).
 */
function tlsOps(ctx: DeployContext, i: Instance): Operation[] {
  const tls = tlsOf(ctx, i.name);
  const sha = sha256(Buffer.from(tls.cert + tls.ca));
  return [
    ...clusterCaFileOps(ctx, i.name),
    file({ path: sslKeyPath(i.name), content: tls.key, ...own, mode: '0600', sensitive: true }),
    file({ path: sslCertPath(i.name), content: tls.cert, ...own, mode: '0644' }),
    command({ name: `Postgres reads the certificate of ${i.name}`, cmd: tlsReloadCommand(ctx.cluster.postgresVersion, sha), creates: tlsReloadMarker(sha) }),
  ];
}

/** postgresql.conf, conf.d and pg_hba.conf; a change reloads (restarts are planned by deploy). */
function configOps(ctx: DeployContext, i: Instance, manager: PostgresManagement): Operation[] {
  const notify = reload(POSTGRES_SERVICE);
  const files = confDFiles({ cluster: ctx.cluster, instance: i, memoryMb: ctx.memoryMb[i.name] ?? 1024, managerLibraries: manager.preloadLibraries });
  return [
    file({ path: `${DATA_DIR}/postgresql.conf`, content: postgresqlConf(), ...own, mode: '0600', notify }),
    directory({ path: CONF_D, ...own, mode: '0700' }),
    ...files.map((f) =>
      f.createOnly
        ? // Written once, then left to humans: `creates` makes an existing file win.
          command({ name: `file ${f.path} (created once)`, cmd: `umask 077 && cat > ${quote(f.path)} && chown ${POSTGRES_USER}:${POSTGRES_GROUP} ${quote(f.path)}`, stdin: f.content, creates: f.path })
        : file({ path: f.path, content: f.content, ...own, mode: '0600', notify }),
    ),
    file({ path: `${DATA_DIR}/pg_hba.conf`, content: pgHbaConf(ctx.cluster), ...own, mode: '0600', notify }),
  ];
}

/** The SQL (for psql's stdin) that makes users, databases, grants and functions what they must be, and what it changes. */
export function catalogChanges(ctx: DeployContext, state: CatalogState, witness: boolean, manager: PostgresManagement): { sql: string; what: string[]; perDatabase: Record<string, string> } {
  const cluster = ctx.cluster;
  const parts: string[] = [];
  const what: string[] = [];
  const desired: DesiredRole[] = [];
  const barman = !witness && barmanHostFor(cluster) !== undefined;
  if (barman) desired.push(desiredBarmanRole());
  for (const u of usersFor(cluster, witness, manager)) {
    const current = state.roles.find((r) => r.name === u);
    desired.push(desiredRole(u, scramVerifierReusing(passwordOf(ctx, u), current?.password)));
  }
  for (const d of desired) {
    const diff = roleDifferences(d, state.roles.find((r) => r.name === d.name));
    if (diff.length === 0) continue;
    parts.push(ensureRoleSql(d));
    what.push(`role ${d.name}: ${diff.join(', ')}`);
  }
  if (barman && state.barmanMissing.length > 0) {
    parts.push(barmanGrantsSql(cluster.postgresVersion));
    what.push(`barman_role: ${state.barmanMissing.join(', ')}`);
  }
  const databases = [...state.databases];
  const managerDb = manager.database;
  if (managerDb && !state.databases.includes(managerDb.name)) {
    parts.push(ensureDatabaseSql(managerDb.name, managerDb.user));
    what.push(`database ${managerDb.name}`);
    databases.push(managerDb.name);
  }
  const perDatabase: Record<string, string> = {};
  if (!witness) {
    // Application users after m1's (a granted role may be one of them), then their databases and extensions.
    for (const u of applicationUsers(cluster)) {
      const current = state.roles.find((r) => r.name === u.username);
      const d = applicationRole(u, u.generate_password ? scramVerifierReusing(passwordOf(ctx, u.username), current?.password) : undefined);
      const diff = roleDifferences(d, current);
      if (diff.length === 0) continue;
      parts.push(ensureRoleSql(d));
      what.push(`role ${d.name}: ${diff.join(', ')}`);
    }
    for (const d of applicationDatabases(cluster)) {
      if (!state.databases.includes(d.name)) {
        parts.push(createDatabaseSql(d));
        what.push(`database ${d.name}`);
        databases.push(d.name);
      }
      const missing = missingExtensions(d, state.extensions[d.name] ?? []);
      if (missing.length > 0) {
        perDatabase[d.name] = createExtensionsSql(missing);
        what.push(`extensions ${missing.join(', ')} in ${d.name}`);
      }
    }
  }
  if (!witness && hasPgbouncer(cluster)) {
    for (const db of pgbouncerAuthDatabases(databases)) {
      if (state.pgbouncerFunctionIn.includes(db)) continue;
      perDatabase[db] = (perDatabase[db] ?? '') + pgbouncerGetAuthSql();
      what.push(`pgbouncer_get_auth() in ${db}`);
    }
  }
  return { sql: parts.join('\n'), what, perDatabase };
}

/** Users, databases, grants: read once, changed only where they differ. */
async function* catalog(ctx: DeployContext, i: Instance, witness: boolean, h: HostContext, manager: PostgresManagement): AsyncGenerator<Operation, void, unknown> {
  const v = ctx.cluster.postgresVersion;
  const state = await h.fact(catalogFact(ctx.cluster, witness ? 'witness' : 'primary', manager.database !== undefined, witness ? [] : applicationDatabases(ctx.cluster).filter((d) => d.extensions.length > 0).map((d) => d.name)));
  if (!state) {
    if (h.check) {
      yield command({ name: 'database users and databases (server not running yet)', cmd: 'true' });
      return;
    }
    throw new HostError(`${i.name}: Postgres does not answer on ${SOCKET_DIR}; see journalctl -u ${POSTGRES_SERVICE}`);
  }
  const changes = catalogChanges(ctx, state, witness, manager);
  if (changes.sql) {
    yield command({ name: `database users and databases (${changes.what.filter((w) => !w.startsWith('pgbouncer_get_auth') && !w.startsWith('extensions')).join('; ')})`, cmd: localPsql(v, 'postgres'), stdin: changes.sql });
  }
  const perDb = Object.entries(changes.perDatabase);
  if (perDb.length > 0) {
    // One psql session, \connect-ing to each database in turn.
    yield command({
      name: changes.what.filter((w) => w.startsWith('pgbouncer_get_auth') || w.startsWith('extensions')).join('; '),
      cmd: localPsql(v, 'postgres'),
      stdin: perDb.map(([db, sql]) => `\\connect ${ident(db)}\n${sql}`).join(''),
    });
  }
}

/** The postgres role, with what the cluster's failover manager does its own way (`manager`). */
export function postgresRole(ctx: DeployContext, manager: PostgresManagement): Role {
  return defineRole('postgres', async function* (h) {
    const cluster = ctx.cluster;
    const i = instanceByName(cluster, h.host)!;
    const role = effectiveRole(cluster, ctx.live, h.host);
    if (role === undefined) return;
    const base = baseOps(ctx, i, manager);
    const config = configOps(ctx, i, manager);
    // What the configuration files and the service step read, read with the base files' facts: one command, not three
    // (a clone, an initdb or a rewind in between is a command, which forgets every fact read before it).
    await h.facts.prefetch([...needsOf([...base, ...config]), { kind: 'service', unit: POSTGRES_SERVICE }]);
    yield base;
    // Known from the facts read before the run; only an uninitialised one is looked at again.
    const initialised = ctx.hosts[h.host]?.dataDirInitialised || (await h.facts.stat(`${DATA_DIR}/PG_VERSION`)) !== null;
    if (!initialised) {
      // A manager without a clone makes its replicas itself (Patroni: create_replica_methods basebackup).
      if (role === 'replica') {
        if (manager.cloneReplica) yield* manager.cloneReplica(ctx, i, h);
      } else yield command({ name: `initdb ${DATA_DIR} (data checksums)`, cmd: asPostgres(initdbCommand(cluster.postgresVersion)), creates: `${DATA_DIR}/PG_VERSION` });
    } else if (role === 'replica' && manager.rejoinAsStandby) {
      yield* manager.rejoinAsStandby(ctx, i, h);
    }
    // A manager that runs the server (Patroni, once it started on the node) owns its conf files,
    // pg_hba.conf and process: nothing here may work behind its back.
    if (!(await manager.runsServer?.(h, role))) {
      yield config;
      yield service({ service: POSTGRES_SERVICE, enabled: true, state: 'started' });
    }
    if (role !== 'replica') yield* catalog(ctx, i, role === 'witness', h, manager);
  });
}
