/**
 * Which backup `m1 restore` recovers: the newest DONE backup that ended
 * before the target (for --latest, the newest). Recovery replays WAL forward
 * from a backup's end; no backup reaches a point before its own end, and no
 * WAL holds a point in the future. Either is refused (exit 2) before anything
 * is created, naming the backups there are. Pure.
 */
import type { BackupPoint } from '../../../src/products/barman/backupPoints.js';
import { parseLsn } from '../../../src/products/postgres/lsn.js';
import { describeTarget, type RestoreTarget } from './target.js';

export type Choice = { ok: true; backup: BackupPoint } | { ok: false; why: string };

const iso = (ms: number) => new Date(ms).toISOString();

/** One line per backup for a refusal: id, status, where it ends. */
export function listBackups(points: readonly BackupPoint[]): string {
  if (points.length === 0) return 'none';
  return points.map((p) => `${p.id} (${p.status}${p.endMs !== undefined ? `, ended ${iso(p.endMs)}` : ''}${p.endLsn ? ` at ${p.endLsn}` : ''})`).join(', ');
}

export function chooseBackup(points: readonly BackupPoint[], target: RestoreTarget, nowMs: number, server: string): Choice {
  const done = points.filter((p) => p.status === 'DONE' && p.endMs !== undefined && p.endLsn !== undefined);
  const named = `Barman server ${server} has backups: ${listBackups(points)}`;
  if (done.length === 0) return { ok: false, why: `no DONE backup to restore from; ${named}` };
  if (target.kind === 'latest') return { ok: true, backup: done.at(-1)! };
  if (target.kind === 'time' && target.ms > nowMs) {
    return { ok: false, why: `${describeTarget(target)} is in the future (now ${iso(nowMs)}): no WAL holds it; ${named}` };
  }
  const covers = (p: BackupPoint): boolean => (target.kind === 'time' ? p.endMs! <= target.ms : parseLsn(p.endLsn)! <= target.position);
  const before = done.filter(covers);
  if (before.length === 0) {
    return { ok: false, why: `${describeTarget(target)} is before the end of the first backup, the earliest point a restore reaches; ${named}` };
  }
  // Newest by end (ids sort by start, and backups do not overlap).
  return { ok: true, backup: before.at(-1)! };
}
