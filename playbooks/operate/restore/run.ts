/**
 * `m1 restore <cluster-dir> --into <new-dir> <target>` as a library call:
 * point-in-time recovery from the source cluster's Barman into a new
 * cluster. The source is read, never changed (no config, no restart); the
 * only thing it does for the restore is archive the WAL up to now when the
 * target may lie in WAL Barman has not archived yet (`barman switch-wal
 * --archive`, as `m1 backup` does).
 *
 * 1. checks, before anything is created: the flags (exit 2), --into without a
 *    cluster (exit 3), a source restore can rebuild (exit 2), the backup that
 *    covers the target (none: exit 2, naming the backups there are);
 * 2. the new config.yml (src/architectures/restoreConfig.ts), provision,
 *    and the new primary attached to the source's network (docker);
 * 3. deploy's common stage on the new primary (packages, users, SSH), then
 *    its data directory made empty and the source Barman's key authorized for
 *    postgres (deploy's next run rewrites authorized_keys without it);
 * 4. `barman recover` on the source's Barman host to the new primary
 *    (src/products/barman/recover.ts);
 * 5. the recovered server started until it promoted at the target, then
 *    stopped (src/products/postgres/restoredStart.ts); the new primary is
 *    detached from the source's network;
 * 6. deploy of the new cluster: the data directory is there, so the postgres
 *    role writes the new host's configuration and starts it as the primary,
 *    sets the new cluster's passwords, repmgr registers it, replicas are
 *    cloned, its own Barman takes a first backup.
 */
import { access, readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { HostError, RefusedError, UsageError } from '../../../src/errors.js';
import { ExitCode } from '../../../src/exitCodes.js';
import { acquireLock } from '../../../src/engine/run/lock.js';
import { CONFIG_FILE } from '../../../src/config/document.js';
import { loadCluster, parseConfig } from '../../../src/config/load.js';
import { renderConfig, writeConfig } from '../../../src/config/write.js';
import { hasRole, type Cluster } from '../../../src/inventory/cluster.js';
import { INVENTORY_FILE } from '../../../src/inventory/inventory.js';
import { restoreConfig, restoreRefusal } from '../../../src/architectures/restoreConfig.js';
import { platformFor } from '../../../src/platforms/index.js';
import { readKnownHosts } from '../../../src/platforms/clusterFiles.js';
import { networkNameOf } from '../../../src/platforms/docker/containerSpec.js';
import { keysFor, parseKnownHosts } from '../../../src/ssh/knownHosts.js';
import { serviceKeyFile } from '../../../src/products/system/sshKeys.js';
import { serverDir } from '../../../src/products/barman/backupCatalog.js';
import { quote } from '../../../src/engine/shell/quote.js';
import { backupPointsCommand, parseBackupPoints, type BackupPoint } from '../../../src/products/barman/backupPoints.js';
import { knownHostsLines, recoverCommand } from '../../../src/products/barman/recover.js';
import { asBarman, barmanCmd, withWalNudge } from '../../../src/products/barman/commands.js';
import type { BarmanServer } from '../../../src/products/barman/serverName.js';
import { DATA_DIR } from '../../../src/products/postgres/layout.js';
import { parseRestoreFinish, restoreFinishCommand, restorePrepareCommand, restoreStartCommand, restoreStartConf, type RestoreFinish } from '../../../src/products/postgres/restoredStart.js';
import { targetStatePath } from '../../../roles/barman/role.js';
import { managerFor } from '../../../roles/managers.js';
import { deployCluster, type DeployOutcome } from '../../deploy/deploy.js';
import { openCluster, runOn, type OpenCluster } from '../cluster.js';
import { serversOf } from '../backup/run.js';
import { chooseBackup } from './choose.js';
import { describeTarget, type RestoreTarget } from './target.js';

/** How long the recovered server may take to replay WAL to the target and promote. */
export const PROMOTE_TIMEOUT_S = 3600;

export interface RestoreOptions {
  target: RestoreTarget;
  /** Data nodes of the new cluster (default 1: the primary alone). */
  dataNodes?: number;
  write?: (text: string) => void;
  /** Draw deploy's listr2 display (default: plain lines). */
  tty?: boolean;
  /** The clock a target in the future is judged by (tests). */
  now?: () => number;
}

export interface RestoreTimings {
  checkMs: number;
  provisionMs: number;
  prepareMs: number;
  recoverMs: number;
  promoteMs: number;
  deployMs: number;
  totalMs: number;
}

export interface RestoreOutcome {
  exitCode: ExitCode;
  source: string;
  cluster: string;
  dir: string;
  server: string;
  barmanHost: string;
  backup: BackupPoint;
  /** The new primary, and where recovery stopped. */
  primary: string;
  finish: RestoreFinish;
  deploy: DeployOutcome;
  timings: RestoreTimings;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

const firstLines = (s: string, n = 3) => s.trim().split('\n').slice(-n).join('; ');

/** Refuses (exit 3) a --into that holds a cluster or a config.yml. */
async function checkInto(into: string): Promise<void> {
  for (const f of [INVENTORY_FILE, CONFIG_FILE]) {
    if (await exists(join(into, f))) {
      throw new RefusedError(
        `${into} already holds a cluster (${f}): m1 restore creates a new cluster and writes its config.yml itself; choose a new directory (or m1 deprovision ${into} and remove it); nothing created`,
      );
    }
  }
}

/** The Barman server that backs up the source's primary (the cluster's own). */
function serverOf(source: Cluster): BarmanServer {
  const servers = serversOf(source);
  return servers.find((s) => s.followsPrimary) ?? servers[0]!;
}

async function backupPoints(oc: OpenCluster, s: BarmanServer): Promise<BackupPoint[]> {
  const r = await runOn(oc.connectors, s.barmanHost, backupPointsCommand(s.name), { timeoutMs: 60_000 });
  if (!r.ok) throw new HostError(`${s.barmanHost}: reading the backups of ${s.name}: ${r.error}`);
  if (r.result.code !== 0) throw new HostError(`${s.barmanHost}: reading the backups of ${s.name}: ${firstLines(r.result.stderr) || `exit status ${r.result.code}`}`);
  return parseBackupPoints(r.result.stdout);
}

/**
 * The WAL up to now archived, when the target may lie past what Barman holds
 * (--latest, an LSN, a time after the last archived segment): a WAL switch on
 * the host Barman backs up, waited for. A source whose primary is down keeps
 * what Barman has: said, not fatal.
 */
async function archiveNow(oc: OpenCluster, s: BarmanServer, write: (t: string) => void): Promise<void> {
  const t = await runOn(oc.connectors, s.barmanHost, `cat ${targetStatePath(s.name)}`, { timeoutMs: 15_000 });
  const target = t.ok && t.result.code === 0 ? t.result.stdout.trim() : s.configuredInstance;
  const cmd = asBarman(withWalNudge(barmanCmd('switch-wal', '--archive', '--archive-timeout', '60', s.name), target, 60, { first: true }));
  const r = await runOn(oc.connectors, s.barmanHost, cmd, { timeoutMs: 120_000 });
  if (r.ok && r.result.code === 0) write(`WAL archived up to now on ${s.barmanHost} (barman switch-wal --archive ${s.name}, from ${target})\n`);
  else write(`warning: could not archive the WAL up to now (${r.ok ? firstLines(r.result.stderr || r.result.stdout, 1) : r.error}): the restore reaches what Barman archived\n`);
}

/** Whether the target may lie in WAL Barman has not archived yet. */
async function needsFreshWal(oc: OpenCluster, s: BarmanServer, target: RestoreTarget): Promise<boolean> {
  if (target.kind !== 'time') return true;
  const r = await runOn(oc.connectors, s.barmanHost, asBarman(`stat -c %Y ${quote(`${serverDir(s.name)}/wals/xlog.db`)}`), { timeoutMs: 15_000 });
  const mtime = r.ok && r.result.code === 0 ? Number(r.result.stdout.trim()) * 1000 : NaN;
  // xlog.db changes whenever Barman archives a segment: older than the target, the target's WAL may not be there.
  return !(mtime > target.ms);
}

const ms = (t: number) => Math.round(performance.now() - t);

export async function restore(sourceDir: string, intoDir: string, options: RestoreOptions): Promise<RestoreOutcome> {
  const t0 = performance.now();
  const write = options.write ?? (() => undefined);
  const into = resolve(intoDir);
  const now = options.now ?? Date.now;
  await checkInto(into);
  const oc = await openCluster(sourceDir);
  try {
    const source = oc.cluster;
    const refusal = restoreRefusal(source);
    if (refusal) throw new UsageError(refusal);
    const server = serverOf(source);
    const name = basename(into);
    const doc = restoreConfig(source, name, options.dataNodes ?? 1);
    parseConfig(renderConfig(doc), { file: join(into, CONFIG_FILE), dir: into }); // what restore writes always loads
    const lock = acquireLock(source.dir, 'restore');
    try {
      const points = await backupPoints(oc, server);
      const choice = chooseBackup(points, options.target, now(), server.name);
      if (!choice.ok) throw new UsageError(`restore to ${describeTarget(options.target)}: ${choice.why}; nothing created`);
      const backup = choice.backup;
      write(
        `backup ${backup.id} of Barman server ${server.name} on ${server.barmanHost}: ended ${backup.endTime} at ${backup.endLsn} (timeline ${backup.timeline ?? '?'}, WAL from ${backup.beginWal ?? backup.beginLsn})\n`,
      );
      if (await needsFreshWal(oc, server, options.target)) await archiveNow(oc, server, write);
      const checkMs = ms(t0);

      // 2. config.yml, provision, the new primary on the source's network.
      const tp = performance.now();
      await writeConfig(into, doc);
      const { cluster } = await loadCluster(into);
      write(`${join(into, CONFIG_FILE)} written: ${cluster.instances.map((i) => `${i.name} (${i.roles.join(', ')})`).join(', ')}\n`);
      const platform = platformFor(cluster);
      const provisioned = await platform.provision(cluster, { progress: (l) => write(`provision: ${l}\n`) });
      const primary = cluster.instances.find((i) => hasRole(i, 'primary'))!.name;
      const sourceNet = networkNameOf(source);
      if (!platform.attachHost || !platform.detachHost) throw new UsageError(`${cluster.platform}: m1 restore cannot attach hosts to the source's network here`);
      const address = await platform.attachHost(cluster, primary, sourceNet);
      write(`${primary} attached to network ${sourceNet} as ${address}, so that ${server.barmanHost} reaches it\n`);
      const provisionMs = ms(tp);

      let finish: RestoreFinish;
      let prepareMs: number, recoverMs: number, promoteMs: number;
      try {
        // 3. the new primary's packages, users and SSH; its data directory empty; Barman's key authorized.
        const tq = performance.now();
        const prep = await deployCluster(into, { limit: [primary], stages: ['common'], write: (t) => write(`prepare: ${t}`) });
        if (prep.exitCode !== 0) throw new HostError(`${primary}: preparing the new primary (deploy's common stage) failed: ${prep.result.failures.join('; ')}`);
        const nc = await openCluster(into);
        try {
          const barmanKey = (await readFile(join(source.dir, `${serviceKeyFile('barman')}.pub`), 'utf8')).trim();
          const p = await runOn(nc.connectors, primary, restorePrepareCommand(cluster.postgresVersion), { stdin: barmanKey + '\n', timeoutMs: 120_000 });
          if (!p.ok || p.result.code !== 0) throw new HostError(`${primary}: preparing ${DATA_DIR} for the recovery: ${p.ok ? firstLines(p.result.stderr) : p.error}`);
          prepareMs = ms(tq);

          // 4. barman recover.
          const tr = performance.now();
          const own = provisioned.inventory.hosts.find((h) => h.name === primary)!;
          const keys = keysFor(parseKnownHosts(await readKnownHosts(into)), own.address, own.port).filter((k) => !k.revoked);
          const t = options.target;
          write(`barman recover ${server.name} ${backup.id} on ${server.barmanHost} to ${primary}:${DATA_DIR} (${describeTarget(t)}) ...\n`);
          const rec = await runOn(
            oc.connectors,
            server.barmanHost,
            recoverCommand({
              server: server.name,
              backupId: backup.id,
              target: t.kind === 'time' ? { kind: 'time', text: t.text } : t.kind === 'lsn' ? { kind: 'lsn', lsn: t.lsn } : { kind: 'latest' },
              destination: DATA_DIR,
              address,
              label: cluster.name,
            }),
            { stdin: knownHostsLines(address, keys), timeoutMs: 4 * 3600_000 },
          );
          if (!rec.ok || rec.result.code !== 0) {
            throw new HostError(`${server.barmanHost}: barman recover ${server.name} ${backup.id} to ${primary} failed: ${rec.ok ? firstLines(rec.result.stderr || rec.result.stdout, 5) : rec.error}`);
          }
          recoverMs = ms(tr);

          // 5. replay to the target, promote, stop.
          const tm = performance.now();
          write(`${primary}: replaying WAL to ${describeTarget(t)} ...\n`);
          const st = await runOn(nc.connectors, primary, restoreStartCommand(cluster.postgresVersion, PROMOTE_TIMEOUT_S), { stdin: restoreStartConf(), timeoutMs: (PROMOTE_TIMEOUT_S + 60) * 1000 });
          if (!st.ok || st.result.code !== 0) throw new HostError(`${primary}: the recovered server did not reach ${describeTarget(t)} and promote: ${st.ok ? firstLines(st.result.stderr, 6) : st.error}`);
          // The SOURCE manager's database: it describes the source's nodes (a one-node copy runs no repmgr at all).
          const managerDb = managerFor(source).postgres(source).database?.name;
          const fin = await runOn(nc.connectors, primary, restoreFinishCommand(cluster.postgresVersion, managerDb), { timeoutMs: 400_000 });
          if (!fin.ok || fin.result.code !== 0) throw new HostError(`${primary}: after the promotion: ${fin.ok ? firstLines(fin.result.stderr, 8) : fin.error}`);
          finish = parseRestoreFinish(fin.result.stdout);
          if (finish.inRecovery !== false || !finish.done) throw new HostError(`${primary}: the recovered server did not promote (pg_is_in_recovery: ${finish.inRecovery ?? 'no answer'})`);
          promoteMs = ms(tm);
          write(
            `${primary}: promoted to timeline ${finish.timeline ?? '?'}; WAL replayed from ${backup.beginWal ?? backup.beginLsn} (backup ${backup.id} began at ${backup.beginLsn}) to ${finish.stopLsn ?? '?'}${finish.reason ? ` (${finish.reason})` : ''}\n`,
          );
        } finally {
          await nc.close();
        }
      } finally {
        await platform.detachHost(cluster, primary, sourceNet).catch((e) => write(`warning: ${e instanceof Error ? e.message : String(e)}\n`));
      }

      // 6. the rest of the new cluster.
      const td = performance.now();
      const deployed = await deployCluster(into, { write, tty: options.tty ?? false });
      const deployMs = ms(td);
      const timings = { checkMs, provisionMs, prepareMs, recoverMs, promoteMs, deployMs, totalMs: ms(t0) };
      return {
        exitCode: deployed.exitCode === 0 ? ExitCode.Ok : ExitCode.Failed,
        source: source.name,
        cluster: cluster.name,
        dir: into,
        server: server.name,
        barmanHost: server.barmanHost,
        backup,
        primary,
        finish,
        deploy: deployed,
        timings,
      };
    } finally {
      lock.release();
    }
  } finally {
    await oc.close();
  }
}
