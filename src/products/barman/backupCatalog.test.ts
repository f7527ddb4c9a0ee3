import { describe, expect, it } from 'vitest';
import { backupCatalogCommand, isoFromPython, parseBackupCatalog, recoveryWindow } from './backupCatalog.js';

// Barman 3.4's `-f json list-backups` (JsonOutputWriter.result_list_backup): newest first, a FAILED one without sizes.
const LIST = JSON.stringify({
  m1: [
    { backup_id: '20261206T141502', end_time: 'Sun Dec  6 14:15:04 2026', end_time_timestamp: '1796566504', size_bytes: 23_000_000, wal_size_bytes: 0, size: '21.9 MiB', wal_size: '0 B', status: 'DONE', retention_status: 'VALID', tablespaces: [] },
    { backup_id: '20261206T141000', status: 'FAILED' },
    { backup_id: '20261206T140101', end_time: 'Sun Dec  6 14:01:03 2026', end_time_timestamp: '1796565663', size_bytes: 22_000_000, wal_size_bytes: 33_554_432, size: '21.0 MiB', wal_size: '32.0 MiB', status: 'DONE', retention_status: 'VALID', tablespaces: [] },
  ],
});
const OUT = [
  LIST,
  'm1:catalog:begin',
  '20261206T140101 2026-12-06 14:01:01.512311+00:00',
  '20261206T141000 2026-12-06 14:10:00.000001+00:00',
  '20261206T141502 2026-12-06 14:15:02.9+00:00',
  'm1:catalog:lastwal',
  '000000010000000000000009\t16777216\t1796566600.25\tNone',
  '',
].join('\n');

describe('the backup catalog', () => {
  it('reads Barman list, begin times and the last WAL segment, oldest first', () => {
    const c = parseBackupCatalog(OUT, 'm1')!;
    expect(c.backups.map((b) => b.id)).toEqual(['20261206T140101', '20261206T141000', '20261206T141502']);
    expect(c.backups[0]).toEqual({ id: '20261206T140101', status: 'DONE', beginTime: '2026-12-06T14:01:01Z', endTime: '2026-12-06T14:01:03Z', sizeBytes: 22_000_000, walSizeBytes: 33_554_432, retention: 'VALID' });
    expect(c.backups[1]).toEqual({ id: '20261206T141000', status: 'FAILED', beginTime: '2026-12-06T14:10:00Z' });
    expect(c.lastWal).toEqual({ name: '000000010000000000000009', archived: '2026-12-06T14:16:40Z' });
  });

  it('the window runs from the oldest DONE backup to the last archived WAL', () => {
    expect(recoveryWindow(parseBackupCatalog(OUT, 'm1')!)).toEqual({ earliest: '2026-12-06T14:01:03Z', latest: '2026-12-06T14:16:40Z', latestWal: '000000010000000000000009' });
  });

  it('without WAL after the newest backup the window ends at its end; without a DONE backup there is none', () => {
    const noWal = parseBackupCatalog(OUT.replace(/m1:catalog:lastwal\n.*\n/, 'm1:catalog:lastwal\n'), 'm1')!;
    expect(noWal.lastWal).toBeUndefined();
    expect(recoveryWindow(noWal)?.latest).toBe('2026-12-06T14:15:04Z');
    const failedOnly = parseBackupCatalog(`{"m1": [{"backup_id": "20261206T141000", "status": "FAILED"}]}\nm1:catalog:begin\nm1:catalog:lastwal\n`, 'm1')!;
    expect(recoveryWindow(failedOnly)).toBeUndefined();
    expect(parseBackupCatalog('{"m1": []}\nm1:catalog:begin\nm1:catalog:lastwal\n', 'm1')).toEqual({ server: 'm1', backups: [] });
  });

  it('is undefined when Barman did not print this server (unknown server, Barman failing)', () => {
    expect(parseBackupCatalog('ERROR: Unknown server m1\nm1:catalog:begin\nm1:catalog:lastwal\n', 'm1')).toBeUndefined();
    expect(parseBackupCatalog(OUT, 'other')).toBeUndefined();
  });

  it('history files in xlog.db are not the last segment', () => {
    const withHistory = OUT.replace('\tNone\n', '\tNone\n00000002.history\t42\t1796566700.0\tNone\n');
    expect(parseBackupCatalog(withHistory, 'm1')!.lastWal?.name).toBe('000000010000000000000009');
  });

  it("Python's time with an offset, as ISO UTC", () => {
    expect(isoFromPython('2026-12-06 15:01:01.5+01:00')).toBe('2026-12-06T14:01:01Z');
    expect(isoFromPython('None')).toBeUndefined();
  });

  it('one command as barman: the list, every backup.info, xlog.db', () => {
    const cmd = backupCatalogCommand('m1');
    expect(cmd).toMatch(/^runuser -u barman -- sh -c '\/usr\/bin\/barman -f json list-backups m1; /);
    expect(cmd).toContain('/var/lib/barman/m1/base/*/backup.info');
    expect(cmd).toContain('/var/lib/barman/m1/meta/*-backup.info');
    expect(cmd).toContain('/var/lib/barman/m1/wals/xlog.db');
  });
});
