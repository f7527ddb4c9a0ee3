/**
 * The Barman role, on hosts with the `barman` role: Barman backing up the
 * host that is primary NOW (the live state wins over config.yml), WAL
 * streamed through a replication slot, `barman cron` every minute, a first
 * base backup, and `barman check` all OK at the end of every deploy that
 * changed anything (a converged one relies on the last check that passed).
 *
 * After a failover or a switchover the server conf follows the new primary
 * and barmanPlan() retargets the server (slot, receive-wal reset, a backup on
 * the new timeline, the old slot dropped); the earlier backups stay listed.
 * Which target the last complete plan reached is kept in a state file, so a
 * deploy interrupted half-way through a retarget finishes it next time.
 *
 * SSH (barman -> postgres on every Postgres node, for rsync backups and
 * `barman check`'s ssh test) is the common role's: keys, authorized_keys and
 * known hosts for the whole cluster.
 */
import { RefusedError } from '../../src/errors.js';
import { clusterVar } from '../../src/config/vars.js';
import { command, defineRole, directory, file, packages, service, waitUntil, type HostContext, type Operation, type Role, type Task } from '../../src/engine/index.js';
import { hasRole, instanceByName, runsPostgres, type Cluster } from '../../src/inventory/cluster.js';
import { passwordOf, type DeployContext } from '../context.js';
import { asBarman, barmanCheckCommand, barmanCmd, receiveWalRunningCommand, type BackupSummary } from '../../src/products/barman/commands.js';
import { backupCron, barmanCron } from '../../src/products/barman/cron.js';
import { barmanConf } from '../../src/products/barman/globalConf.js';
import { BARMAN_CONF, BARMAN_CONF_D, BARMAN_CRON, BARMAN_HOME, BARMAN_PGPASS, BARMAN_USER, backupCronPath, serverConfPath } from '../../src/products/barman/layout.js';
import { barmanPgpass } from '../../src/products/barman/pgpass.js';
import { barmanPlan } from '../../src/products/barman/plan.js';
import { barmanPackages } from '../../src/products/barman/packages.js';
import { clearEarlierBackupsCommand } from '../../src/products/barman/detachedBackups.js';
import { checkRecordingPass } from '../../src/products/barman/checkRecord.js';
import { barmanServerConf, serverConfTarget } from '../../src/products/barman/serverConf.js';
import { backupTarget, barmanServers, type BarmanServer } from '../../src/products/barman/serverName.js';
import { barmanStepOperation } from './stepOperation.js';
import { splitPrimaryRefusal } from '../../src/live/primaryGuard.js';
import { readingFact } from '../../src/live/reading.js';
import { barmanBackups } from '../../src/live/facts/barmanBackups.js';
import { clusterCaFileOps } from '../clusterCaFile.js';

/** Where the role records the host a server's last complete plan backed up (root 0644; a host name). */
export const STATE_DIR = '/var/lib/m1/barman';
export function targetStatePath(server: string): string {
  return `${STATE_DIR}/${server}.target`;
}
/** Written when `barman check` passed at the end of a deploy, removed before the next check runs: its presence says the last check run passed. */
export function checkPassedPath(server: string): string {
  return `${STATE_DIR}/${server}.check-passed`;
}

/** The server's backups as src/live reads them (each backup.info, without starting Barman's Python). */
async function backupSummary(h: HostContext, server: string): Promise<BackupSummary> {
  const { facts } = await h.fact(readingFact(`barman-backups:${server}`, { facts: { backups: barmanBackups(server, `${BARMAN_HOME}/${server}`) } }));
  return { done: facts.backups.filter((b) => b.status === 'DONE').length, total: facts.backups.length };
}

/** The Postgres hosts (other than the target) where a slot of this Barman host may be left behind. */
function otherPostgresHosts(cluster: Cluster, target: string): string[] {
  return cluster.instances.filter((i) => i.name !== target && runsPostgres(i, cluster.failoverManager) && (hasRole(i, 'primary') || hasRole(i, 'replica'))).map((i) => i.name);
}

function text(b: Buffer | null): string | undefined {
  return b === null ? undefined : b.toString('utf8');
}

/** Stops the base backups of `server` m1 started detached (switchovers) that still run, and deletes what they left unfinished (root). */
export function clearDetachedBackups(server: string): Operation {
  return command({
    name: `stop the base backups of ${server} m1 started detached, delete what they left unfinished`,
    cmd: clearEarlierBackupsCommand(server),
    changed: (res) => res.stdout.trim() !== '',
  });
}

/** The operations for one Barman server: conf, schedule, the plan's steps, state, check. */
async function* serverTasks(ctx: DeployContext, h: HostContext, server: BarmanServer): AsyncGenerator<Task, void, unknown> {
  const { cluster } = ctx;
  const confPath = serverConfPath(server.name);
  const statePath = targetStatePath(server.name);
  const target = backupTarget(cluster, ctx.live, server);
  const want = barmanServerConf(cluster, ctx.live, server);
  const current = text(await h.facts.content(confPath));
  const recorded = text(await h.facts.content(statePath))?.trim() || undefined;
  const previousTarget = recorded ?? (current !== undefined ? serverConfTarget(current) : undefined);
  const backups = current !== undefined ? await backupSummary(h, server.name) : { done: 0, total: 0 };
  const refusal = splitPrimaryRefusal(ctx, `Barman server ${server.name}`, previousTarget, target);
  if (refusal) throw new RefusedError(refusal);

  yield [
    file({ path: confPath, content: want, owner: BARMAN_USER, group: BARMAN_USER, mode: '0600', name: `${confPath}: backs up ${target}` }),
    file({ path: backupCronPath(server.name), content: backupCron(cluster, server.name), owner: 'root', group: 'root', mode: '0644' }),
  ];

  // A retarget: a backup m1 started detached of the former primary failed or will (its source is no longer
  // the primary), and Barman's `failed backups` check fails until it is deleted.
  if (previousTarget !== undefined && previousTarget !== target) yield clearDetachedBackups(server.name);
  const steps = barmanPlan({
    server,
    version: cluster.postgresVersion,
    target,
    previousTarget,
    hasBackups: backups.done > 0,
    confChanges: current !== want || recorded !== target,
    otherPostgresHosts: otherPostgresHosts(cluster, target),
  });
  for (const step of steps) yield barmanStepOperation(step);

  // A restart of the backed-up server (a restart setting, Patroni's restart) ends pg_receivewal:
  // start it now rather than wait up to a minute for cron, which the check below would.
  yield command({
    name: `start receive-wal for ${server.name} (barman cron: pg_receivewal is not running)`,
    cmd: asBarman(barmanCmd('-q', 'cron')),
    unless: receiveWalRunningCommand(server.name),
  });
  // Barman's own verdict after anything changed. A run that has changed nothing on any host
  // (so not Barman's files, its target, receive-wal, the servers' users or pg_hba) after a check
  // that passed leaves it out: m1 status and m1 test run it every time.
  const passedPath = checkPassedPath(server.name);
  const check = barmanCheckCommand(server.name);
  if (!h.check && h.changesSoFar() === 0 && (await h.facts.stat(passedPath)) !== null) {
    yield waitUntil({ name: `barman check ${server.name}: nothing changed since it last passed (m1 status runs it)`, cmd: check, when: false });
  } else {
    // Retried briefly: right after `barman cron` started receive-wal, its first check can still see it starting.
    // The record of a pass is kept by the check's own command (check mode writes nothing).
    yield waitUntil({ name: `barman check ${server.name}`, cmd: h.check ? check : checkRecordingPass(check, passedPath), timeoutMs: 90_000, intervalMs: 1500 });
  }
  yield [
    directory({ path: STATE_DIR, owner: 'root', group: 'root', mode: '0755' }),
    file({ path: statePath, content: `${target}\n`, owner: 'root', group: 'root', mode: '0644', name: `${statePath}: ${target}` }),
  ];
}

export function barmanRole(ctx: DeployContext): Role {
  return defineRole('barman', async function* (h) {
    const { cluster } = ctx;
    const me = instanceByName(cluster, h.host);
    if (!me || !hasRole(me, 'barman')) return;
    const servers = barmanServers(cluster).filter((s) => s.barmanHost === h.host);
    const passwords = { barman: passwordOf(ctx, 'barman'), streaming_barman: passwordOf(ctx, 'streaming_barman') };
    for (const p of Object.values(passwords)) h.secret(p);

    const setup: Operation[] = [
      packages({ names: barmanPackages(cluster.postgresVersion, clusterVar(cluster, 'postgres_package_version')), when: !ctx.skipPackages.has('barman') }),
      directory({ path: BARMAN_HOME, owner: BARMAN_USER, group: BARMAN_USER, mode: '0750' }),
      directory({ path: BARMAN_CONF_D, owner: 'root', group: 'root', mode: '0755' }),
      file({ path: BARMAN_CONF, content: barmanConf(cluster), owner: 'root', group: 'root', mode: '0644' }),
      file({ path: BARMAN_CRON, content: barmanCron(), owner: 'root', group: 'root', mode: '0644' }),
      file({ path: BARMAN_PGPASS, content: barmanPgpass(passwords), owner: BARMAN_USER, group: BARMAN_USER, mode: '0600', sensitive: true }),
      service({ service: 'cron', enabled: true, state: 'started' }),
      // Barman verifies the servers it backs up against the cluster CA (verify-full in its conninfo).
      ...clusterCaFileOps(ctx, h.host),
    ];
    // Packages first: the barman user and the directories the files go in come with them.
    yield setup[0]!;
    yield setup.slice(1);
    for (const server of servers) yield* serverTasks(ctx, h, server);
  });
}
