/**
 * A Barman server's backups, each from its backup.info (what `barman
 * list-backups` reads) without starting Barman's Python: id, status, end
 * time, timeline, first WAL. Sorted by id (oldest first).
 */
import { forEachBackupInfo } from '../../products/barman/backupInfo.js';
import type { Fact } from '../fact.js';
import { fields, num, opt } from '../protocol.js';

export interface BarmanBackup {
  /** e.g. 20261204T101500 */
  id: string;
  /** DONE, FAILED, STARTED, WAITING_FOR_WALS... */
  status: string;
  endTime?: string;
  timeline?: number;
  beginWal?: string;
}

/** `serverDir`: the server's directory (<barman home>/<server>); its backup.info files wherever this Barman keeps them. */
export function barmanBackups(server: string, serverDir: string): Fact<BarmanBackup[]> {
  const key = `bbackup:${server}`;
  const field = (name: string) => `$(sed -n 's/^${name}=//p' "$f")`;
  return {
    key,
    read: {
      shell: forEachBackupInfo(serverDir, `echo "m1:${key}=$id|${field('status')}|${field('end_time')}|${field('timeline')}|${field('begin_wal')}"`),
    },
    parse: (lines) =>
      lines
        .map((l) => {
          const f = fields(l.value);
          return { id: f[0] ?? '', status: f[1] ?? '', endTime: opt(f[2]), timeline: num(f[3]), beginWal: opt(f[4]) };
        })
        .sort((a, b) => a.id.localeCompare(b.id)),
  };
}
