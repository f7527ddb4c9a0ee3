/**
 * A Barman server's backups as Barman lists them (`barman -f json
 * list-backups`), with the last archived WAL segment (the last segment line
 * of the server's xlog.db), and the recovery window they give.
 *
 * Barman 3.4's list-backups JSON gives, per backup: backup_id, status and,
 * once the copy is done, end_time / end_time_timestamp (epoch s), size_bytes
 * (the base backup with the WAL it needs), wal_size_bytes (WAL after it up to
 * the next backup) and retention_status (VALID, OBSOLETE, ...). It has no
 * begin time: that is read from each backup.info in the same command
 * (`begin_time=` as Barman writes it, e.g. `2026-12-06 14:05:01.123456+00:00`).
 */
import { quote } from '../../engine/shell/quote.js';
import { asBarman, barmanCmd } from './commands.js';
import { forEachBackupInfo } from './backupInfo.js';
import { BARMAN_HOME } from './layout.js';

export interface CatalogBackup {
  id: string;
  /** DONE, FAILED, STARTED, WAITING_FOR_WALS... */
  status: string;
  /** ISO time (UTC) the backup started, from its backup.info. */
  beginTime?: string;
  /** ISO time (UTC) the copy ended: the earliest point this backup recovers to. */
  endTime?: string;
  sizeBytes?: number;
  walSizeBytes?: number;
  /** Barman's retention verdict (VALID, OBSOLETE, KEEP:FULL, ...). */
  retention?: string;
}

export interface LastWal {
  /** The segment's name, e.g. 000000010000000000000005. */
  name: string;
  /** ISO time (UTC) Barman archived it (the file's time in xlog.db). */
  archived: string;
}

export interface BackupCatalog {
  server: string;
  /** Oldest first. */
  backups: CatalogBackup[];
  lastWal?: LastWal;
}

export interface RecoveryWindow {
  /** The end of the oldest DONE backup: no earlier target can be reached. */
  earliest: string;
  /** The newest archived WAL (or, without any after it, the newest backup's end). */
  latest: string;
  /** The segment the latest point is in, when known. */
  latestWal?: string;
}

const SEP = 'm1:catalog:';

/** Where Barman keeps a server's WAL index and base backups. */
export function serverDir(server: string): string {
  return `${BARMAN_HOME}/${server}`;
}

/**
 * One command on the Barman host, as barman: Barman's list, then each
 * backup's begin time, then the last WAL segment line of xlog.db (history
 * files are listed there too; only 24-hex-digit names are segments).
 */
export function backupCatalogCommand(server: string): string {
  const dir = serverDir(server);
  return asBarman(
    [
      barmanCmd('-f', 'json', 'list-backups', server),
      `echo; echo ${SEP}begin`,
      forEachBackupInfo(dir, `echo "$id $(sed -n 's/^begin_time=//p' "$f")"`),
      `echo ${SEP}lastwal`,
      `grep -E '^[0-9A-F]{24}[[:space:]]' ${quote(`${dir}/wals/xlog.db`)} 2>/dev/null | tail -n 1`,
      'true',
    ].join('; '),
  );
}

function isoFromEpoch(s: unknown): string | undefined {
  const n = typeof s === 'string' || typeof s === 'number' ? Number(s) : NaN;
  return Number.isFinite(n) && n > 0 ? new Date(Math.floor(n) * 1000).toISOString().replace('.000Z', 'Z') : undefined;
}

/** `2026-12-06 14:05:01.123456+00:00` (Python's str of an aware datetime) as ISO UTC, seconds. */
export function isoFromPython(text: string): string | undefined {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.\d+)?([+-]\d\d:?\d\d|Z)?$/.exec(text.trim());
  if (!m) return undefined;
  const d = new Date(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString().replace('.000Z', 'Z');
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The command's output as a catalog; undefined when Barman's part is not its
 * JSON for this server (unknown server, Barman failing: the caller says
 * what it printed).
 */
export function parseBackupCatalog(stdout: string, server: string): BackupCatalog | undefined {
  const [json = '', rest = ''] = stdout.split(`${SEP}begin`);
  const [beginPart = '', walPart = ''] = rest.split(`${SEP}lastwal`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return undefined;
  }
  const list = (parsed as Record<string, unknown> | null)?.[server];
  if (!Array.isArray(list)) return undefined;
  const begins = new Map<string, string>();
  for (const line of beginPart.split('\n')) {
    const [id, ...time] = line.trim().split(' ');
    const iso = id ? isoFromPython(time.join(' ')) : undefined;
    if (id && iso) begins.set(id, iso);
  }
  const backups: CatalogBackup[] = list
    .filter((b): b is Record<string, unknown> => typeof b === 'object' && b !== null && typeof (b as { backup_id?: unknown }).backup_id === 'string')
    .map((b) => {
      const id = b['backup_id'] as string;
      const out: CatalogBackup = { id, status: str(b['status']) ?? 'UNKNOWN' };
      const begin = begins.get(id);
      const end = isoFromEpoch(b['end_time_timestamp']);
      const size = num(b['size_bytes']);
      const wal = num(b['wal_size_bytes']);
      const retention = str(b['retention_status']);
      if (begin) out.beginTime = begin;
      if (end) out.endTime = end;
      if (size !== undefined) out.sizeBytes = size;
      if (wal !== undefined) out.walSizeBytes = wal;
      if (retention) out.retention = retention;
      return out;
    })
    .sort((a, b) => a.id.localeCompare(b.id));
  const catalog: BackupCatalog = { server, backups };
  const wal = /^([0-9A-F]{24})\s+\d+\s+([\d.]+)/.exec(walPart.trim());
  const archived = wal ? isoFromEpoch(wal[2]) : undefined;
  if (wal && archived) catalog.lastWal = { name: wal[1]!, archived };
  return catalog;
}

/** What the catalog lets one recover to; undefined without a DONE backup. */
export function recoveryWindow(catalog: BackupCatalog): RecoveryWindow | undefined {
  const done = catalog.backups.filter((b) => b.status === 'DONE' && b.endTime !== undefined);
  if (done.length === 0) return undefined;
  const earliest = done[0]!.endTime!;
  const newestEnd = done.at(-1)!.endTime!;
  const wal = catalog.lastWal;
  if (wal && wal.archived >= newestEnd) return { earliest, latest: wal.archived, latestWal: wal.name };
  return { earliest, latest: newestEnd };
}
