/**
 * The common role, on every host before anything else: /etc/hosts names every
 * cluster host, the packages of every role the host plays and of the
 * failover manager (one apt call), and SSH between the service users (keys,
 * authorized_keys, known hosts).
 */
import type { DeployContext } from '../context.js';
import type { FailoverManager } from '../failoverManager.js';
import { defineOperation, defineRole, directory, file, needsOf, packages, type Operation, type Role } from '../../src/engine/index.js';
import { unifiedDiff } from '../../src/engine/text/diff.js';
import type { Cluster, Instance } from '../../src/inventory/cluster.js';
import { hasRole, instanceByName, runsPostgres } from '../../src/inventory/cluster.js';
import { barmanHostFor } from '../../src/products/barman/serverName.js';
import { clusterVar } from '../../src/config/vars.js';
import { barmanPackages } from '../../src/products/barman/packages.js';
import { CREATECLUSTER_CONF_PATH, createclusterConf, serverPackages } from '../../src/products/postgres/layout.js';
import { HOSTS_FILE, clusterHostEntries, hostsBlock, withHostsBlock } from '../../src/products/system/hosts.js';
import { authorizedKeyLines, installedKeyPath, keysInstalledOn, serviceSshConfig, SERVICE_USERS, type ServiceUser } from '../../src/products/system/sshKeys.js';

/** What the common role asks of the failover manager: its packages on a host. */
export type ManagerPackages = Pick<FailoverManager, 'packages'>;

/**
 * The Debian packages a host needs for the roles it plays and for the
 * failover manager, by group, so `--skip-packages barman,pgbouncer` can leave
 * some out (test aid).
 */
export function packageGroups(cluster: Cluster, instance: Instance, manager: ManagerPackages): Record<string, readonly string[]> {
  const v = cluster.postgresVersion;
  // postgres_package_version: the server and client version a host without them gets (never a change of an installed one).
  const pin = clusterVar(cluster, 'postgres_package_version');
  const out: Record<string, readonly string[]> = {};
  if (runsPostgres(instance, cluster.failoverManager)) {
    // openssl: the per-host certificate; barman-cli: restore_command fetches WAL from Barman.
    out['postgres'] = [...serverPackages(v, pin), 'openssl', ...(barmanHostFor(cluster) ? ['barman-cli', 'rsync'] : [])];
  }
  Object.assign(out, manager.packages(cluster, instance));
  if (hasRole(instance, 'barman')) out['barman'] = barmanPackages(v, pin);
  if (hasRole(instance, 'pgbouncer')) out['pgbouncer'] = ['pgbouncer'];
  return out;
}

export function packagesFor(cluster: Cluster, instance: Instance, manager: ManagerPackages, skip: ReadonlySet<string> = new Set()): string[] {
  const groups = packageGroups(cluster, instance, manager);
  const names: string[] = [];
  for (const [group, list] of Object.entries(groups)) {
    if (skip.has(group)) continue;
    for (const n of list) if (!names.includes(n)) names.push(n);
  }
  return names;
}

/**
 * /etc/hosts with m1's block. Written in place (`cat >`), not renamed over:
 * on docker the file is a bind mount, which a rename cannot replace.
 */
export const hostsFile = defineOperation('file', (cluster: Cluster) => ({
  name: `file ${HOSTS_FILE} (cluster hosts)`,
  needs: [{ kind: 'content', path: HOSTS_FILE }],
  async apply(ctx) {
    const current = (await ctx.facts.content(HOSTS_FILE))?.toString('utf8') ?? '';
    const next = withHostsBlock(current, hostsBlock(clusterHostEntries(cluster)));
    if (next === current) return { status: 'ok' };
    await ctx.change({ cmd: `cat > ${HOSTS_FILE}`, stdin: next, display: `write ${HOSTS_FILE} in place (${next.length} bytes)` });
    ctx.facts.invalidatePaths(HOSTS_FILE);
    return { status: 'changed', diff: unifiedDiff(current, next, { fromFile: `${HOSTS_FILE} (before)`, toFile: `${HOSTS_FILE} (after)` }) };
  },
}));

export const SERVICE_HOMES: Readonly<Record<ServiceUser, string>> = { postgres: '/var/lib/postgresql', barman: '/var/lib/barman' };

/** SSH for one service user on a host: its key (where it starts connections), who may log in as it, and fail-fast options. */
function serviceSshOps(ctx: DeployContext, host: string, user: ServiceUser): Operation[] {
  const keys = ctx.serviceKeys;
  if (!keys) return [];
  const publicKeys = { postgres: keys.postgres.publicKey, barman: keys.barman.publicKey };
  const installs = keysInstalledOn(ctx.cluster, host).includes(user);
  const authorized = authorizedKeyLines(ctx.cluster, host, user, publicKeys);
  if (!installs && authorized.length === 0) return [];
  const home = SERVICE_HOMES[user];
  const own = { owner: user, group: user };
  const ops: Operation[] = [
    directory({ path: `${home}/.ssh`, ...own, mode: '0700' }),
    file({ path: `${home}/.ssh/config`, content: serviceSshConfig(), ...own, mode: '0600' }),
    file({ path: `${home}/.ssh/authorized_keys`, content: authorized.map((l) => l + '\n').join(''), ...own, mode: '0600' }),
  ];
  if (installs) {
    const paths = installedKeyPath(home);
    ops.push(
      file({ name: `file ${paths.privateKey} (${user}'s cluster key)`, path: paths.privateKey, content: keys[user].privateKey, ...own, mode: '0600', sensitive: true }),
      file({ path: paths.publicKey, content: keys[user].publicKey.trim() + '\n', ...own, mode: '0644' }),
    );
  }
  return ops;
}

export function commonRole(ctx: DeployContext, manager: ManagerPackages): Role {
  return defineRole('common', async function* (h) {
    const cluster = ctx.cluster;
    const instance = instanceByName(cluster, h.host)!;
    const names = packagesFor(cluster, instance, manager, ctx.skipPackages);
    const postgresHost = runsPostgres(instance, cluster.failoverManager);
    const first = [
      hostsFile(cluster),
      // Before the packages: installing postgresql-<V> must not create and start a second cluster.
      // On a fresh host postgresql-common is not installed yet, so its directory may be missing.
      directory({ path: '/etc/postgresql-common', mode: '0755', when: postgresHost }),
      file({ path: CREATECLUSTER_CONF_PATH, content: createclusterConf(), mode: '0644', when: postgresHost }),
    ];
    const install = packages({ names, when: names.length > 0 });
    const sshOps = new Map(SERVICE_USERS.map((user) => [user, serviceSshOps(ctx, h.host, user)]));
    const knownHosts = ctx.sshKnownHosts ? [file({ path: '/etc/ssh/ssh_known_hosts', content: ctx.sshKnownHosts, mode: '0644' })] : [];
    // Everything the role checks, read in one command; installing packages makes it read again what it needs after.
    await h.facts.prefetch([...needsOf([...first, install, ...[...sshOps.values()].flat(), ...knownHosts]), { kind: 'accounts' }]);
    yield first;
    yield install;
    // Service users come with their packages; a user whose package was skipped gets no SSH setup.
    const accounts = await h.facts.accounts();
    const ops: Operation[] = [];
    for (const [user, userOps] of sshOps) {
      if (!accounts.users.has(user) && !h.check) continue;
      ops.push(...userOps);
    }
    yield [...ops, ...knownHosts];
  });
}
