/**
 * Where each backup of a Barman server starts and ends in the WAL, read from
 * its backup.info (the file `barman show-backup` prints from): what `m1
 * restore` chooses a backup by. Barman 3.4 writes, one `key=value` a line:
 * `status=DONE`, `timeline=1`, `begin_wal=000000010000000000000004`,
 * `begin_xlog=0/4000028`, `end_xlog=0/4000138`,
 * `end_wal=000000010000000000000004`, `end_time=2026-12-07 02:41:07.512345+00:00`.
 */
import { asBarman } from './commands.js';
import { forEachBackupInfo } from './backupInfo.js';
import { serverDir } from './backupCatalog.js';
import { parseLsn } from '../postgres/lsn.js';

export interface BackupPoint {
  id: string;
  status: string;
  timeline?: number;
  beginWal?: string;
  beginLsn?: string;
  endLsn?: string;
  endWal?: string;
  /** Epoch ms the copy ended (the earliest time this backup recovers to), to the microsecond's millisecond. */
  endMs?: number;
  /** As Barman wrote it. */
  endTime?: string;
}

const MARK = 'm1:backup ';
const KEYS = ['status', 'timeline', 'begin_wal', 'begin_xlog', 'end_xlog', 'end_wal', 'end_time'];

/** As barman: for each backup, a `m1:backup <id>` line, then its backup.info lines that matter here. */
export function backupPointsCommand(server: string): string {
  return asBarman(forEachBackupInfo(serverDir(server), `echo "${MARK}$id"; grep -E '^(${KEYS.join('|')})=' "$f"`) + '; true');
}

/** Python's str of an aware datetime (`2026-12-07 02:41:07.512345+00:00`) as epoch ms. */
export function msFromPython(text: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?([+-]\d\d:?\d\d|Z)?$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}${m[4] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The command's output; oldest first (Barman's ids are timestamps). */
export function parseBackupPoints(stdout: string): BackupPoint[] {
  const out: BackupPoint[] = [];
  let cur: BackupPoint | undefined;
  for (const raw of stdout.split('\n')) {
    const line = raw.trim();
    if (line.startsWith(MARK)) {
      cur = { id: line.slice(MARK.length).trim(), status: 'UNKNOWN' };
      out.push(cur);
      continue;
    }
    const eq = line.indexOf('=');
    if (!cur || eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).trim();
    if (value === '' || value === 'None') continue;
    if (key === 'status') cur.status = value;
    else if (key === 'timeline' && /^\d+$/.test(value)) cur.timeline = Number(value);
    else if (key === 'begin_wal') cur.beginWal = value;
    else if (key === 'end_wal') cur.endWal = value;
    else if (key === 'begin_xlog' && parseLsn(value) !== undefined) cur.beginLsn = value;
    else if (key === 'end_xlog' && parseLsn(value) !== undefined) cur.endLsn = value;
    else if (key === 'end_time') {
      const ms = msFromPython(value);
      cur.endTime = value;
      if (ms !== undefined) cur.endMs = ms;
    }
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}
