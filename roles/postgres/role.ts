/**
 * The postgres role, on every host that runs Postgres (primary, replicas, a
 * repmgr witness): layout, unit, TLS, sudo rule, .pgpass; the data directory
 * (initdb on the primary and the witness, `repmgr standby clone` on replicas);
 * configuration (conf.d, pg_hba) with reloads through the handler; the
 * server started; users and databases on the writable servers.
 *
 * Restart-context setting changes are NOT applied here: deploy plans them up
 * front and restarts, once, in its last stage (replicas before the primary).
 */
import type { DeployContext } from '../context.js';
import { passwordOf } from '../context.js';
import { command, defineFact, defineRole, directory, file, reload, service, type HostContext, type Operation, type Role } from '../../src/engine/index.js';
import type { Cluster, Instance } from '../../src/inventory/cluster.js';
import { hasRole, instanceByName } from '../../src/inventory/cluster.js';
import { scramVerifierReusing } from '../../src/secrets/index.js';
import { barmanHostFor } from '../../src/products/barman/serverName.js';
import { effectivePrimary, effectiveRole, effectiveUpstream } from '../../src/inventory/liveTopology.js';
import { repmgrDsn } from '../../src/products/repmgr/conninfo.js';
import { repmgrEnabled } from '../../src/config/repmgrEnabled.js';
import { repmgrFileOps } from '../repmgr/files.js';
import { standbyCloneCommand } from '../../src/products/repmgr/commands.js';
import { ensurePhysicalSlotSql, repmgrSlotName } from '../../src/products/repmgr/sql.js';
import { REPMGR_DB, REPMGR_USER } from '../../src/products/repmgr/layout.js';
import { patroniOwnsPostgres } from '../../src/products/patroni/ownership.js';
import { pgHbaConf } from '../../src/products/postgres/hba.js';
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
  sslKeyPath,
  tmpfilesConf,
} from '../../src/products/postgres/layout.js';
import { POSTGRES_PGPASS, postgresPgpass } from '../../src/products/postgres/pgpass.js';
import { asPostgres, localPsql, remotePsql } from '../../src/products/postgres/run.js';
import { catalogFact, type CatalogState } from '../../src/live/catalog.js';
import { postgresServiceUnit } from '../../src/products/postgres/service.js';
import { FENCE_PATH, fenceScript, standbyMarker } from '../../src/products/repmgr/fence.js';
import { rejoinFormerPrimaryCommand } from '../../src/products/repmgr/rejoin.js';
import { confDFiles, postgresqlConf } from '../../src/products/postgres/settings.js';
import { postgresSudoers } from '../../src/products/postgres/sudoers.js';
import { VISUDO_CHECK } from '../../src/products/system/sudoers.js';
import { selfSignedCertCommand } from '../../src/products/postgres/tls.js';
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

/** The database users a writable server must have. The witness only needs what repmgr uses. */
export function usersFor(cluster: Cluster, witness: boolean): DbUser[] {
  const users: DbUser[] = ['postgres'];
  if (repmgrEnabled(cluster)) users.push('repmgr');
  if (witness) return users;
  users.push('replication');
  if (barmanHostFor(cluster)) users.push('barman', 'streaming_barman');
  if (hasPgbouncer(cluster)) users.push('pgbouncer_auth_user');
  return users;
}

/** A data node of a repmgr cluster (not the witness): the hosts that could run as a second primary. */
function repmgrDataNode(cluster: Cluster, i: Instance): boolean {
  return repmgrEnabled(cluster) && (hasRole(i, 'primary') || hasRole(i, 'replica'));
}

/** The fence script of a repmgr data node (its peers: the other data nodes), else undefined. */
export function fenceFor(cluster: Cluster, i: Instance): string | undefined {
  if (!repmgrDataNode(cluster, i)) return undefined;
  const peers = cluster.instances.filter((p) => p.name !== i.name && repmgrDataNode(cluster, p)).sort((a, b) => a.node - b.node).map((p) => p.name);
  return fenceScript({ version: cluster.postgresVersion, me: i.name, peers });
}

/** Layout, unit, TLS, sudo and .pgpass: everything that does not need the data directory. */
function baseOps(ctx: DeployContext, i: Instance): Operation[] {
  const v = ctx.cluster.postgresVersion;
  const pgpass = postgresPgpass({
    postgres: passwordOf(ctx, 'postgres'),
    replication: passwordOf(ctx, 'replication'),
    ...(repmgrEnabled(ctx.cluster) ? { repmgr: passwordOf(ctx, 'repmgr') } : {}),
  });
  const fence = fenceFor(ctx.cluster, i);
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
    command({ name: `TLS certificate for ${i.name}`, cmd: selfSignedCertCommand(i), creates: sslKeyPath(i.name), changed: (r) => r.stdout.includes('created') }),
  ];
}

/** postgresql.conf, conf.d and pg_hba.conf; a change reloads (restarts are planned by deploy). */
function configOps(ctx: DeployContext, i: Instance): Operation[] {
  const notify = reload(POSTGRES_SERVICE);
  const files = confDFiles({ cluster: ctx.cluster, instance: i, memoryMb: ctx.memoryMb[i.name] ?? 1024 });
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
export function catalogChanges(ctx: DeployContext, state: CatalogState, witness: boolean): { sql: string; what: string[]; perDatabase: Record<string, string> } {
  const cluster = ctx.cluster;
  const parts: string[] = [];
  const what: string[] = [];
  const desired: DesiredRole[] = [];
  const barman = !witness && barmanHostFor(cluster) !== undefined;
  if (barman) desired.push(desiredBarmanRole());
  for (const u of usersFor(cluster, witness)) {
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
  if (repmgrEnabled(cluster) && !state.databases.includes(REPMGR_DB)) {
    parts.push(ensureDatabaseSql(REPMGR_DB, REPMGR_USER));
    what.push(`database ${REPMGR_DB}`);
    databases.push(REPMGR_DB);
  }
  const perDatabase: Record<string, string> = {};
  if (!witness && hasPgbouncer(cluster)) {
    for (const db of pgbouncerAuthDatabases(databases)) {
      if (state.pgbouncerFunctionIn.includes(db)) continue;
      perDatabase[db] = pgbouncerGetAuthSql();
      what.push(`pgbouncer_get_auth() in ${db}`);
    }
  }
  return { sql: parts.join('\n'), what, perDatabase };
}

/** Users, databases, grants: read once, changed only where they differ. */
async function* catalog(ctx: DeployContext, i: Instance, witness: boolean, h: HostContext): AsyncGenerator<Operation, void, unknown> {
  const v = ctx.cluster.postgresVersion;
  const state = await h.fact(catalogFact(ctx.cluster, witness));
  if (!state) {
    if (h.check) {
      yield command({ name: 'database users and databases (server not running yet)', cmd: 'true' });
      return;
    }
    throw new Error(`${i.name}: Postgres does not answer on ${SOCKET_DIR}; see journalctl -u ${POSTGRES_SERVICE}`);
  }
  const changes = catalogChanges(ctx, state, witness);
  if (changes.sql) {
    yield command({ name: `database users and databases (${changes.what.filter((w) => !w.startsWith('pgbouncer_get_auth')).join('; ')})`, cmd: localPsql(v, 'postgres'), stdin: changes.sql });
  }
  const perDb = Object.entries(changes.perDatabase);
  if (perDb.length > 0) {
    // One psql session, \connect-ing to each database in turn.
    yield command({
      name: `pgbouncer_get_auth() in databases ${perDb.map(([db]) => db).join(', ')}`,
      cmd: localPsql(v, 'postgres'),
      stdin: perDb.map(([db, sql]) => `\\connect ${ident(db)}\n${sql}`).join(''),
    });
  }
}

/**
 * A replica's data directory: `repmgr standby clone` from its upstream when
 * that answers, else from the primary (primary_conninfo still names the
 * upstream), then the slot it will use on its upstream.
 */
async function* cloneReplica(ctx: DeployContext, i: Instance, h: HostContext): AsyncGenerator<Operation | Operation[], void, unknown> {
  const cluster = ctx.cluster;
  const v = cluster.postgresVersion;
  if (!repmgrEnabled(cluster)) throw new Error(`${i.name}: replicas are cloned with repmgr; failover manager ${cluster.failoverManager} is not deployed by this role`);
  const primary = effectivePrimary(cluster, ctx.live);
  const upstream = effectiveUpstream(cluster, ctx.live, i.name) ?? primary;
  yield repmgrFileOps(ctx, i);
  let source = upstream;
  if (upstream !== primary) {
    const ready = await h.fact(defineFact(`upstream-answers-${upstream}`, remotePsql(v, `${repmgrDsn(upstream)} connect_timeout=5`, "-c 'SELECT 1'"), (r) => r.code === 0));
    if (!ready) source = primary;
  }
  yield command({
    name: `clone from ${source}${source !== upstream ? ` (${upstream} not ready), streaming from ${upstream}` : ''}`,
    cmd: asPostgres(standbyCloneCommand({ version: v, me: i.name, source, upstream })),
    creates: `${DATA_DIR}/PG_VERSION`,
    timeoutMs: 6 * 3600_000,
  });
  // The slot named in primary_slot_name must exist where the replica streams from.
  if (source === upstream || upstream === primary) {
    yield command({
      name: `replication slot ${repmgrSlotName(i.node)} on ${upstream}`,
      cmd: remotePsql(v, `${repmgrDsn(upstream)} connect_timeout=5`),
      stdin: ensurePhysicalSlotSql(repmgrSlotName(i.node)),
      changed: (r) => r.stdout.includes('created'),
    });
  }
}

/**
 * A former primary kept down by the fence (or stopped) while another node is
 * the live primary: its data directory is not a standby's, so starting it
 * would make a second primary (the fence refuses that). It is rejoined as a
 * standby of the live primary (rejoin.ts) before the rest of the role
 * converges it. Decided from the facts read before the run plus one stat.
 */
async function* rejoinFormerPrimary(ctx: DeployContext, i: Instance, h: HostContext): AsyncGenerator<Operation | Operation[], void, unknown> {
  const cluster = ctx.cluster;
  const live = ctx.live.primary;
  const f = ctx.hosts[i.name];
  if (!repmgrDataNode(cluster, i) || live === undefined || live === i.name) return;
  if (!f?.reachable || f.postgresRunning || !f.dataDirInitialised) return;
  if ((await h.facts.stat(standbyMarker(cluster.postgresVersion))) !== null) return;
  yield repmgrFileOps(ctx, i);
  yield command({
    name: `rejoin ${i.name} as a standby of ${live} (a former primary: repmgr node rejoin --force-rewind)`,
    cmd: rejoinFormerPrimaryCommand({ version: cluster.postgresVersion, me: i.name, primary: live }),
    timeoutMs: 6 * 3600_000,
  });
}

export function postgresRole(ctx: DeployContext): Role {
  return defineRole('postgres', async function* (h) {
    const cluster = ctx.cluster;
    const i = instanceByName(cluster, h.host)!;
    const role = effectiveRole(cluster, ctx.live, h.host);
    if (role === undefined) return;
    yield baseOps(ctx, i);
    // Known from the facts read before the run; only an uninitialised one is looked at again.
    const initialised = ctx.hosts[h.host]?.dataDirInitialised || (await h.facts.stat(`${DATA_DIR}/PG_VERSION`)) !== null;
    const patroni = cluster.failoverManager === 'patroni';
    if (!initialised) {
      // Patroni clones its replicas itself (create_replica_methods: basebackup) into the empty data directory.
      if (role === 'replica') { if (!patroni) yield* cloneReplica(ctx, i, h); }
      else yield command({ name: `initdb ${DATA_DIR} (data checksums)`, cmd: asPostgres(initdbCommand(cluster.postgresVersion)), creates: `${DATA_DIR}/PG_VERSION` });
    } else if (role === 'replica') {
      yield* rejoinFormerPrimary(ctx, i, h);
    }
    // Patroni owns a node's conf files, pg_hba.conf and server once it runs there (settings go
    // through its DCS), and starts its replicas itself: nothing here may work behind its back.
    if (!(patroni && role === 'replica') && !(await patroniOwnsPostgres(cluster, h))) {
      yield configOps(ctx, i);
      yield service({ service: POSTGRES_SERVICE, enabled: true, state: 'started' });
    }
    if (role !== 'replica') yield* catalog(ctx, i, role === 'witness', h);
  });
}
