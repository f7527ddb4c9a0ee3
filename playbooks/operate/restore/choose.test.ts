import { describe, expect, it } from 'vitest';
import type { BackupPoint } from '../../../src/products/barman/backupPoints.js';
import { chooseBackup } from './choose.js';
import { parseRestoreTarget } from './target.js';

const at = (hh: number, mm: number, ss = 0) => Date.UTC(2026, 11, 7, hh, mm, ss);
const POINTS: BackupPoint[] = [
  { id: '20261207T010000', status: 'DONE', timeline: 1, beginLsn: '0/2000028', endLsn: '0/2000100', endMs: at(1, 0, 2), endTime: '2026-12-07 01:00:02+00:00' },
  { id: '20261207T020000', status: 'DONE', timeline: 1, beginLsn: '0/5000028', endLsn: '0/5000100', endMs: at(2, 0, 2), endTime: '2026-12-07 02:00:02+00:00' },
  { id: '20261207T023000', status: 'FAILED', timeline: 1, beginLsn: '0/7000028' },
];
const NOW = at(3, 0);
const time = (t: string) => parseRestoreTarget({ targetTime: t });

describe('the backup a restore uses', () => {
  it('the newest DONE backup that ended before the target time', () => {
    expect(chooseBackup(POINTS, time('2026-12-07 01:30:00+00'), NOW, 'm1')).toMatchObject({ ok: true, backup: { id: '20261207T010000' } });
    expect(chooseBackup(POINTS, time('2026-12-07 02:45:00+00'), NOW, 'm1')).toMatchObject({ ok: true, backup: { id: '20261207T020000' } });
    // Ended exactly at the target: it reaches it.
    expect(chooseBackup(POINTS, time('2026-12-07 02:00:02+00'), NOW, 'm1')).toMatchObject({ ok: true, backup: { id: '20261207T020000' } });
  });

  it('by LSN: the newest whose end is at or before it; --latest: the newest DONE', () => {
    expect(chooseBackup(POINTS, parseRestoreTarget({ targetLsn: '0/4FFFFFF' }), NOW, 'm1')).toMatchObject({ ok: true, backup: { id: '20261207T010000' } });
    expect(chooseBackup(POINTS, parseRestoreTarget({ targetLsn: '0/9000000' }), NOW, 'm1')).toMatchObject({ ok: true, backup: { id: '20261207T020000' } });
    expect(chooseBackup(POINTS, { kind: 'latest' }, NOW, 'm1')).toMatchObject({ ok: true, backup: { id: '20261207T020000' } });
  });

  it('refuses a target before the first backup ended, naming the backups', () => {
    const c = chooseBackup(POINTS, time('2026-12-07 01:00:01+00'), NOW, 'm1');
    expect(c.ok).toBe(false);
    expect(!c.ok && c.why).toBe(
      'time 2026-12-07 01:00:01.000000+00:00 is before the end of the first backup, the earliest point a restore reaches; Barman server m1 has backups: ' +
        '20261207T010000 (DONE, ended 2026-12-07T01:00:02.000Z at 0/2000100), 20261207T020000 (DONE, ended 2026-12-07T02:00:02.000Z at 0/5000100), 20261207T023000 (FAILED)',
    );
    expect(chooseBackup(POINTS, parseRestoreTarget({ targetLsn: '0/1000000' }), NOW, 'm1').ok).toBe(false);
  });

  it('refuses a time in the future, and any target without a DONE backup', () => {
    const c = chooseBackup(POINTS, time('2026-12-07 03:00:01+00'), NOW, 'm1');
    expect(!c.ok && c.why).toMatch(/^time 2026-12-07 03:00:01.000000\+00:00 is in the future \(now 2026-12-07T03:00:00.000Z\)/);
    const none = chooseBackup([POINTS[2]!], { kind: 'latest' }, NOW, 'm1');
    expect(!none.ok && none.why).toBe('no DONE backup to restore from; Barman server m1 has backups: 20261207T023000 (FAILED)');
    expect(chooseBackup([], { kind: 'latest' }, NOW, 'm1')).toEqual({ ok: false, why: 'no DONE backup to restore from; Barman server m1 has backups: none' });
  });
});
