/**
 * `m1 backup` and `m1 backups` as library calls returning data.
 *
 * takeBackup: under the cluster lock, one status reading with `barman
 * check`, backupRefusal() for each Barman server of the cluster, then per
 * server on its Barman host: deploy's record of a passed check removed,
 * `barman -f json backup --wait` (WAL nudged on the primary), `barman check`
 * again, which writes the record back only when it passes, and Barman's
 * catalog read back. A failed backup leaves the record away, so the next
 * deploy runs `barman check` and says what fails.
 *
 * listBackups: every Barman server's catalog and recovery window, read-only,
 * without the lock (a backup running meanwhile shows as STARTED).
 */
import { HostError, RefusedError, UsageError } from '../../../src/errors.js';
import { ExitCode } from '../../../src/exitCodes.js';
import { acquireLock } from '../../../src/engine/run/lock.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { barmanServers, type BarmanServer } from '../../../src/products/barman/serverName.js';
import { backupNowCommand, BACKUP_WAIT_TIMEOUT_S, parseBackupResult } from '../../../src/products/barman/backupNow.js';
import { backupCatalogCommand, parseBackupCatalog, recoveryWindow, type BackupCatalog, type RecoveryWindow } from '../../../src/products/barman/backupCatalog.js';
import { barmanCheckCommand } from '../../../src/products/barman/commands.js';
import { checkRecordingPass } from '../../../src/products/barman/checkRecord.js';
import { checkPassedPath } from '../../../roles/barman/role.js';
import { openCluster, runOn, type OpenCluster } from '../cluster.js';
import { gatherSnapshot } from '../status.js';
import { backupRefusal } from './preconditions.js';

export interface ServerBackups {
  server: string;
  barmanHost: string;
  catalog: BackupCatalog;
  window?: RecoveryWindow;
}

export interface TakenBackup extends ServerBackups {
  /** The host the backup was taken from (the primary, for the cluster's server). */
  target: string;
  id: string;
  sizeBytes?: number;
  /** Wall time of `barman backup --wait`, ms. */
  backupMs: number;
  /** Backups Barman listed before, DONE or not. */
  countBefore: number;
}

export interface BackupOutcome {
  exitCode: ExitCode;
  backups: TakenBackup[];
  /** host, step and Barman's error, for exit 1. */
  problems: string[];
  ms: number;
}

export interface BackupOptions {
  write?: (text: string) => void;
}

/** The cluster's Barman servers (a bad `backup:` is a ConfigError), or exit 2 for a cluster without Barman. */
export function serversOf(cluster: Cluster): BarmanServer[] {
  const servers = barmanServers(cluster);
  if (servers.length === 0) throw new UsageError(`${cluster.name} has no Barman: no instance of config.yml says \`backup: <barman instance>\``);
  return servers;
}

/** The server's catalog from its Barman host; a HostError naming host and step when it cannot be read. */
export async function readCatalog(oc: OpenCluster, s: BarmanServer): Promise<ServerBackups> {
  const step = `barman list-backups ${s.name}`;
  const r = await runOn(oc.connectors, s.barmanHost, backupCatalogCommand(s.name), { timeoutMs: 60_000 });
  if (!r.ok) throw new HostError(`${s.barmanHost}: ${step}: ${r.error}`);
  const catalog = parseBackupCatalog(r.result.stdout, s.name);
  if (!catalog) throw new HostError(`${s.barmanHost}: ${step}: ${(r.result.stderr || r.result.stdout).trim().split('\n')[0] || `exit status ${r.result.code}`}`);
  const window = recoveryWindow(catalog);
  return { server: s.name, barmanHost: s.barmanHost, catalog, ...(window ? { window } : {}) };
}

/** `m1 backups <cluster-dir>`: each Barman server's backups and recovery window. */
export async function listBackups(dir: string): Promise<ServerBackups[]> {
  const oc = await openCluster(dir);
  try {
    return await Promise.all(serversOf(oc.cluster).map((s) => readCatalog(oc, s)));
  } finally {
    await oc.close();
  }
}

const firstLine = (s: string) => s.trim().split('\n')[0] ?? '';

/** One server's backup on an open, locked cluster whose preconditions held. */
async function backupServer(oc: OpenCluster, s: BarmanServer, target: string, write: (t: string) => void): Promise<TakenBackup | string> {
  const host = s.barmanHost;
  const before = await readCatalog(oc, s);
  const record = checkPassedPath(s.name);
  write(`barman backup ${s.name} on ${host} (from ${target}) ...\n`);
  const t0 = performance.now();
  const r = await runOn(oc.connectors, host, backupNowCommand(s.name, target, record), { timeoutMs: (BACKUP_WAIT_TIMEOUT_S + 120) * 1000 });
  const backupMs = Math.round(performance.now() - t0);
  if (!r.ok) return `${host}: barman backup ${s.name}: ${r.error}`;
  const result = parseBackupResult(r.result.stdout, r.result.stderr);
  if (!result.ok || result.id === undefined) {
    return `${host}: barman backup ${s.name}${result.id ? ` (backup ${result.id})` : ''} failed: ${result.errors.map(firstLine).join('; ')}`;
  }
  // Barman's verdict after the backup; the record of a passed check comes back only if it passes.
  const check = await runOn(oc.connectors, host, checkRecordingPass(barmanCheckCommand(s.name), record, `after m1 backup ${result.id}`), { timeoutMs: 60_000 });
  if (!check.ok || check.result.code !== 0) {
    const why = check.ok ? check.result.stderr.trim().split('\n').join('; ') || `exit status ${check.result.code}` : check.error;
    return `${host}: backup ${result.id} of ${s.name} is done, but barman check ${s.name} fails after it: ${why}`;
  }
  const after = await readCatalog(oc, s);
  return {
    ...after,
    target,
    id: result.id,
    ...(result.sizeBytes !== undefined ? { sizeBytes: result.sizeBytes } : {}),
    backupMs,
    countBefore: before.catalog.backups.length,
  };
}

/** `m1 backup <cluster-dir>`: a base backup of every Barman server of the cluster, now. */
export async function takeBackup(dir: string, options: BackupOptions = {}): Promise<BackupOutcome> {
  const t0 = performance.now();
  const write = options.write ?? (() => undefined);
  const oc = await openCluster(dir);
  try {
    const servers = serversOf(oc.cluster);
    const lock = acquireLock(oc.cluster.dir, 'backup');
    try {
      const { status } = await gatherSnapshot(oc, { routes: false });
      const refusals = servers.map((s) => backupRefusal(status, s)).filter((r): r is string => r !== undefined);
      if (refusals.length > 0) throw new RefusedError(`backup ${oc.cluster.name}: ${refusals.join('; ')}; nothing started`);
      const backups: TakenBackup[] = [];
      const problems: string[] = [];
      for (const s of servers) {
        const target = s.followsPrimary ? status.primary! : s.configuredInstance;
        const out = await backupServer(oc, s, target, write);
        if (typeof out === 'string') problems.push(out);
        else backups.push(out);
      }
      return { exitCode: problems.length === 0 ? ExitCode.Ok : ExitCode.Failed, backups, problems, ms: Math.round(performance.now() - t0) };
    } finally {
      lock.release();
    }
  } finally {
    await oc.close();
  }
}
