import { describe, expect, it } from 'vitest';
import { formatBackups, formatTaken } from './format.js';
import type { ServerBackups } from './run.js';

const s: ServerBackups = {
  server: 'm1',
  barmanHost: 'gamma',
  catalog: {
    server: 'm1',
    backups: [
      { id: '20261206T140101', status: 'DONE', beginTime: '2026-12-06T14:01:01Z', endTime: '2026-12-06T14:01:03Z', sizeBytes: 22_000_000, walSizeBytes: 33_554_432, retention: 'VALID' },
      { id: '20261206T141000', status: 'FAILED' },
    ],
  },
  window: { earliest: '2026-12-06T14:01:03Z', latest: '2026-12-06T14:16:40Z', latestWal: '000000010000000000000009' },
};

describe('backup listings', () => {
  it('newest first, with the recovery window', () => {
    const text = formatBackups([s]);
    const lines = text.split('\n');
    expect(lines[0]).toBe('Barman server m1 on gamma: 2 backup(s)');
    expect(lines[1]).toMatch(/^id\s+begin\s+end\s+size\s+wal\s+status\s+retention$/);
    expect(lines[2]).toMatch(/^20261206T141000\s+-\s+-\s+-\s+-\s+FAILED\s+-$/);
    expect(lines[3]).toMatch(/^20261206T140101\s+2026-12-06T14:01:01Z\s+2026-12-06T14:01:03Z\s+21\.0 MB\s+32\.0 MB\s+DONE\s+VALID$/);
    expect(lines[4]).toBe('recovery window: 2026-12-06T14:01:03Z .. 2026-12-06T14:16:40Z (WAL 000000010000000000000009)');
  });

  it('a server without a DONE backup has no window', () => {
    expect(formatBackups([{ ...s, catalog: { server: 'm1', backups: [] }, window: undefined } as ServerBackups])).toBe('Barman server m1 on gamma: 0 backup(s)\nrecovery window: none (no DONE backup)\n');
  });

  it('a taken backup: id, size, time, counts', () => {
    expect(formatTaken({ ...s, target: 'alpha', id: '20261206T141502', sizeBytes: 23_068_672, backupMs: 4210, countBefore: 1 })).toBe(
      'backup 20261206T141502 of m1 (from alpha) on gamma: 22.0 MB in 4.2 s; barman check OK; 2 backup(s) listed (1 before)\n' +
        'recovery window: 2026-12-06T14:01:03Z .. 2026-12-06T14:16:40Z (WAL 000000010000000000000009)\n',
    );
  });
});
