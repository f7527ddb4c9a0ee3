import { describe, expect, it } from 'vitest';
import { backupPointsCommand, msFromPython, parseBackupPoints } from './backupPoints.js';

// The command's output on Barman 3.4 (Debian 12), recorded in the barman e2e cluster (the first two backups; the FAILED one's
// lines as Barman writes them for a backup that never ended, its end fields None).
const OUT = [
  'm1:backup 20261207T023344',
  'begin_wal=000000010000000000000005',
  'begin_xlog=0/5000028',
  'end_time=2026-12-07 02:33:46.882983+00:00',
  'end_wal=000000010000000000000005',
  'end_xlog=0/5000160',
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
  'm1:backup 20261207T023406',
  'begin_wal=000000010000000000000008',
  'begin_xlog=0/8000028',
  'end_time=2026-12-07 02:34:12.679707+00:00',
  'end_wal=000000010000000000000008',
  'end_xlog=0/8000100',
  'status=DONE',
  'timeline=1',
  '',
].join('\n');

describe("the backups' WAL points", () => {
  it("reads each backup.info's status, timeline, begin and end, oldest first; None is absent", () => {
    const p = parseBackupPoints(OUT);
    expect(p.map((b) => b.id)).toEqual(['20261207T023344', '20261207T023406', '20261207T024512']);
    expect(p[0]).toEqual({
      id: '20261207T023344',
      status: 'DONE',
      timeline: 1,
      beginWal: '000000010000000000000005',
      beginLsn: '0/5000028',
      endLsn: '0/5000160',
      endWal: '000000010000000000000005',
      endTime: '2026-12-07 02:33:46.882983+00:00',
      endMs: Date.UTC(2026, 11, 7, 2, 33, 46, 882),
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
