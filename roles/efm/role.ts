/**
 * The efm role for the engine: what an EFM cluster's deploy does on each
 * host (see README.md). Three roles, placed by the EFM failover manager
 * (manager.ts), which also clones replicas for the postgres role
 * (postgres.ts):
 *   - efmRepositoryRole: EDB's repository and the EFM packages (not with
 *     --skip-packages efm);
 *   - efmPostgresRole: the `efm` database user (primary) and the slots of the
 *     replicas that stream from this host;
 *   - efmAgentRole: the efm account, `efm encrypt`, the files, and EFM enabled
 *     and started (the last stage, once every server runs).
 */
import { HostError } from '../../src/errors.js';
import type { DeployContext } from '../context.js';
import { passwordOf } from '../context.js';
import {
  command,
  defineFact,
  defineRole,
  directory,
  file,
  group,
  packages,
  restart,
  service,
  stderrTail,
  user,
  type FactDef,
  type HostContext,
  type Operation,
  type Role,
} from '../../src/engine/index.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { clusterVar } from '../../src/config/vars.js';
import { scramVerifierReusing } from '../../src/secrets/index.js';
import { effectiveRole, effectiveUpstream } from '../../src/inventory/liveTopology.js';
import { quote } from '../../src/engine/shell/quote.js';
import { DEFAULT_DATABASES, databaseLine } from '../../src/products/pgbouncer/databases.js';
import { POSTGRES_PORT, SOCKET_DIR, binDir } from '../../src/products/postgres/layout.js';
import { asPostgres, localPsql } from '../../src/products/postgres/run.js';
import { ROLE_FACTS_SQL, ensureRoleSql, parseRoleFacts, roleDifferences, type DesiredRole, type RoleFact } from '../../src/products/postgres/users.js';
import { ensurePhysicalSlotSql } from '../../src/products/repmgr/sql.js';
import { efmSlotName } from '../../src/products/efm/clone.js';
import { efmEncryptCommand, parseEncryptOutput } from '../../src/products/efm/commands/encrypt.js';
import { shellLine } from '../../src/products/efm/commands/hostCommand.js';
import { efmAccounts, efmHostFiles } from '../../src/products/efm/files.js';
import { efmHbaLines } from '../../src/products/efm/hba.js';
import { efmNodeInstances } from '../../src/products/efm/nodes.js';
import { edbRepositories, edbRepositorySetup, edbRepositoryUrl } from '../../src/products/efm/repository.js';
import { efmPackages, efmSkipPlan } from '../../src/products/efm/skipPackages.js';
import type { SubscriptionToken } from '../../src/products/efm/tokenGate.js';
import { efmPaths, efmVersion } from '../../src/products/efm/version.js';

/** The database user EFM's agents log in as (a superuser, as TPA makes it). */
export const EFM_DB_USER = 'efm';

/**
 * The cluster as the postgres role must see it in an EFM cluster: every EFM
 * agent's `host all efm <ip>/32 md5` line in pg_hba.conf, after the lines of
 * the user's own postgres_hba_settings (the postgres role writes those before
 * its client lines). EFM connects without TLS (jdbc.sslmode=disable), so the
 * hostssl lines never match it.
 */
export function withEfmHba(cluster: Cluster): Cluster {
  const lines = efmHbaLines(cluster).filter((l) => !l.startsWith('#'));
  if (lines.length === 0) return cluster;
  const ownLines = clusterVar(cluster, 'postgres_hba_settings');
  return { ...cluster, clusterVars: { ...cluster.clusterVars, postgres_hba_settings: [...ownLines, ...lines] } };
}

/** Replicas that stream (or will) from `host`, each with its slot name, in node order. */
export function downstreamReplicas(ctx: DeployContext, host: string): { name: string; slot: string }[] {
  const cluster = ctx.cluster;
  return [...cluster.instances]
    .sort((a, b) => a.node - b.node)
    .filter((d) => d.name !== host && effectiveRole(cluster, ctx.live, d.name) === 'replica' && effectiveUpstream(cluster, ctx.live, d.name) === host)
    .map((d) => ({ name: d.name, slot: efmSlotName(d) }));
}

/** EDB's repository and EFM's packages on every EFM node; nothing with --skip-packages efm. */
export function efmRepositoryRole(ctx: DeployContext, token: SubscriptionToken | undefined): Role {
  return defineRole('efm packages', (h: HostContext) => {
    const cluster = ctx.cluster;
    if (efmSkipPlan(cluster, ctx.skipPackages).skipped) return [];
    if (!efmNodeInstances(cluster).some((i) => i.name === h.host)) return [];
    if (!token) throw new Error(`${h.host}: EFM packages need EDB_SUBSCRIPTION_TOKEN (deploy checks it before connecting; this is a bug)`);
    const url = edbRepositoryUrl(cluster);
    if (!url) throw new Error(`${h.host}: cluster_vars.edb_repository_url is not set (deploy checks it before connecting; this is a bug)`);
    const secret = h.secret(token.reveal());
    const ops: Operation[] = [packages({ names: ['curl', 'ca-certificates', 'gnupg'] })];
    for (const repo of edbRepositories(cluster)) {
      const setup = edbRepositorySetup(url, repo, secret);
      ops.push(command({ name: setup.name, cmd: setup.cmd, stdin: setup.stdin, unless: setup.unless, timeoutMs: 600_000 }));
    }
    ops.push(packages({ names: efmPackages(cluster) }));
    return ops;
  });
}

/** What efmPostgresRole reads of a server in one command: its roles, slots and recovery state. */
export interface EfmServerState {
  roles: RoleFact[];
  slots: string[];
  inRecovery: boolean;
}

const MARK = '@@m1:';

export function efmServerStateCommand(cluster: Cluster): string {
  const psql = `${binDir(cluster.postgresVersion)}/psql -XAtq -F '|' -h ${SOCKET_DIR} -p ${POSTGRES_PORT} -d postgres`;
  return asPostgres(
    [
      `${psql} -c ${quote(ROLE_FACTS_SQL)}`,
      `echo ${MARK}slots`,
      `${psql} -c ${quote("SELECT slot_name FROM pg_replication_slots WHERE slot_type = 'physical' ORDER BY 1")}`,
      `echo ${MARK}recovery`,
      `${psql} -c ${quote('SELECT pg_is_in_recovery()')}`,
    ].join(' && '),
  );
}

export function parseEfmServerState(stdout: string): EfmServerState {
  const [roles = '', rest = ''] = stdout.split(`${MARK}slots\n`);
  const [slots = '', recovery = ''] = rest.split(`${MARK}recovery\n`);
  return {
    roles: parseRoleFacts(roles),
    slots: slots.split('\n').map((s) => s.trim()).filter(Boolean),
    inRecovery: recovery.trim() === 't',
  };
}

export function efmDesiredUser(password: string, current: RoleFact | undefined): DesiredRole {
  return {
    name: EFM_DB_USER,
    attributes: { superuser: true, login: true, replication: false, createdb: false, createrole: false },
    verifier: scramVerifierReusing(password, current?.password),
    memberOf: [],
  };
}

/**
 * After the postgres role on a data node: the slots of the replicas that
 * stream from this host (created before they clone), and, on the primary,
 * the `efm` database user with its stored password.
 */
export function efmPostgresRole(ctx: DeployContext): Role {
  return defineRole('efm postgres', async function* (h: HostContext) {
    const cluster = ctx.cluster;
    const role = effectiveRole(cluster, ctx.live, h.host);
    if (role === undefined || role === 'witness') return;
    const state = await h.fact(
      defineFact('efm-server-state', efmServerStateCommand(cluster), (r) => (r.code === 0 ? parseEfmServerState(r.stdout) : undefined)),
    );
    if (!state) {
      if (!h.check) throw new HostError(`${h.host}: Postgres does not answer on ${SOCKET_DIR}; see journalctl -u postgres`);
      yield command({ name: 'efm user and replication slots (server not running yet)', cmd: 'true' });
      return;
    }
    const v = cluster.postgresVersion;
    const missing = downstreamReplicas(ctx, h.host).filter((d) => !state.slots.includes(d.slot));
    if (missing.length > 0) {
      yield command({
        name: `replication slots ${missing.map((d) => `${d.slot} (for ${d.name})`).join(', ')}`,
        cmd: localPsql(v, 'postgres'),
        stdin: missing.map((d) => ensurePhysicalSlotSql(d.slot)).join(''),
      });
    }
    if (role === 'primary' && !state.inRecovery) {
      const current = state.roles.find((r) => r.name === EFM_DB_USER);
      const want = efmDesiredUser(passwordOf(ctx, EFM_DB_USER), current);
      const diff = roleDifferences(want, current);
      if (diff.length > 0) yield command({ name: `database user ${EFM_DB_USER} (${diff.join(', ')})`, cmd: localPsql(v, 'postgres'), stdin: ensureRoleSql(want) });
    }
  });
}

/**
 * `efm encrypt`'s answer, read as a fact: it changes nothing on the host, and
 * the files yielded after it need the value. The password travels on stdin.
 */
function efmEncryptedPassword(ctx: DeployContext): FactDef<string> {
  const cmd = efmEncryptCommand(ctx.cluster, passwordOf(ctx, EFM_DB_USER));
  const line = `cd / && runuser -u ${cmd.user} -- ${shellLine(cmd)}`;
  return defineFact(
    'efm-encrypt',
    line,
    (r) => {
      if (r.code !== 0) throw new HostError(`${cmd.describe} exited ${r.code}: ${stderrTail(r, 1)}`);
      return parseEncryptOutput(r.stdout);
    },
    { stdin: cmd.stdin },
  );
}

/**
 * On every EFM node, once every server runs: the efm account (Postgres' owner
 * joins its group), `efm encrypt`, the properties, nodes, notification,
 * unit and sudoers files (and the PgBouncer redirect script), then EFM
 * enabled and started; a changed properties, nodes or unit file restarts it.
 * With --skip-packages efm: no encrypt (db.password.encrypted left out), no
 * start.
 */
export function efmAgentRole(ctx: DeployContext): Role {
  return defineRole('efm', async function* (h: HostContext) {
    const cluster = ctx.cluster;
    const i = instanceByName(cluster, h.host)!;
    if (!efmNodeInstances(cluster).some((n) => n.name === h.host)) return;
    const skipped = efmSkipPlan(cluster, ctx.skipPackages).skipped;
    const paths = efmPaths(efmVersion(cluster));
    const accounts = efmAccounts(cluster, i);
    yield [
      group({ group: accounts.user.group, system: true }),
      user({
        user: accounts.user.name,
        group: accounts.user.group,
        home: accounts.user.home,
        shell: accounts.user.shell,
        system: true,
        createHome: true,
        comment: 'EDB Failover Manager',
      }),
      ...accounts.memberships.map((m) => user({ name: `user ${m.user} in group ${m.group}`, user: m.user, groups: [m.group] })),
    ];
    // read once the efm account exists (the accounts above have run)
    const encryptedPassword = skipped ? undefined : h.secret(await h.fact(efmEncryptedPassword(ctx)));
    const files = efmHostFiles(cluster, i, { topology: ctx.live, encryptedPassword }, {
      databasesLine: (host, port) => databaseLine(DEFAULT_DATABASES[0]!, host, port),
    });
    const notify = skipped ? [] : [restart(paths.serviceName)];
    yield [
      ...files.directories.map((d) => directory({ path: d.path, owner: d.owner, group: d.group, mode: d.mode })),
      ...files.files.map((f) =>
        file({ path: f.path, content: f.content, owner: f.owner, group: f.group, mode: f.mode, sensitive: f.sensitive, validate: f.validate, notify: f.restartsEfm ? notify : [] }),
      ),
    ];
    if (!skipped) yield service({ service: paths.serviceName, enabled: true, state: 'started' });
  });
}
