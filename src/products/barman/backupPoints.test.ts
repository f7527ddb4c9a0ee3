import { describe, expect, it } from 'vitest';
import { backupPointsCommand, msFromPython, parseBackupPoints } from './backupPoints.js';

// The command's output on Barman 3.4 (Debian 12): two DONE backups and a FAILED one (no end), backup.info lines as Barman writes them.
const OUT = [
  'm1:backup 20261207T023955',
  'begin_wal=000000010000000000000004',
  'begin_xlog=0/4000028',
  'end_time=2026-12-07 02:39:57.110398+00:00',
  'end_wal=000000010000000000000004',
  'end_xlog=0/4000100',
  'status=DONE',
  'timeline=1',
  'm1:backup 20261207T024512',
  'begin_wal=000000010000000000000007',
  'begin_xlog=0/7000028',
  'end_time=None',
  'end_wal=None',
  'end_xlog=None',
  'status=FAILED',
  'timeline=1',
  'm1:backup 20261207T024230',
  'begin_wal=000000010000000000000006',
  'begin_xlog=0/6000060',
  'end_time=2026-12-07 02:42:31.9+00:00',
  'end_wal=000000010000000000000006',
  'end_xlog=0/6000138',
  'status=DONE',
  'timeline=1',
  '',
].join('\n');

describe("the backups' WAL points", () => {
  it("reads each backup.info's status, timeline, begin and end, oldest first; None is absent", () => {
    const p = parseBackupPoints(OUT);
    expect(p.map((b) => b.id)).toEqual(['20261207T023955', '20261207T024230', '20261207T024512']);
    expect(p[0]).toEqual({
      id: '20261207T023955',
      status: 'DONE',
      timeline: 1,
      beginWal: '000000010000000000000004',
      beginLsn: '0/4000028',
      endLsn: '0/4000100',
      endWal: '000000010000000000000004',
      endTime: '2026-12-07 02:39:57.110398+00:00',
      endMs: Date.UTC(2026, 11, 7, 2, 39, 57, 110),
    });
    expect(p[2]).toEqual({ id: '20261207T024512', status: 'FAILED', timeline: 1, beginWal: '000000010000000000000007', beginLsn: '0/7000028' });
  });

  it("reads Python's str of an aware datetime to the millisecond", () => {
    expect(msFromPython('2026-12-07 02:42:31.9+00:00')).toBe(Date.UTC(2026, 11, 7, 2, 42, 31, 900));
    expect(msFromPython('2026-12-07 03:42:31+01:00')).toBe(Date.UTC(2026, 11, 7, 2, 42, 31));
    expect(msFromPython('None')).toBeUndefined();
  });

  it('runs as barman over both places Barman keeps backup.info, never failing on a server without backups', () => {
    const c = backupPointsCommand('m1');
    expect(c).toMatch(/^runuser -u barman -- sh -c /);
    expect(c).toContain('/var/lib/barman/m1/meta/*-backup.info');
    expect(c).toContain('/var/lib/barman/m1/base/*/backup.info');
    expect(c).toMatch(/; true'$/);
  });
});
