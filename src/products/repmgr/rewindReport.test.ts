import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REWOUND_WAL_DIR, reportedXids, rewindReportFunction } from './rewindReport.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const WALDUMP = [
  'rmgr: Heap        len (rec/tot):     59/    59, tx:        812, lsn: 0/080653D0, prev 0/08065398, desc: INSERT off 3 flags 0x00, blkref #0: rel 1663/5/16384 blk 0',
  'rmgr: Transaction len (rec/tot):     34/    34, tx:        812, lsn: 0/08065410, prev 0/080653D0, desc: COMMIT 2026-12-05 18:00:00.000000 UTC',
  'rmgr: Standby     len (rec/tot):     50/    50, tx:          0, lsn: 0/08065418, prev 0/08065410, desc: RUNNING_XACTS nextXid 813',
  'rmgr: Transaction len (rec/tot):     34/    34, tx:        813, lsn: 0/08065438, prev 0/08065418, desc: COMMIT 2026-12-05 18:00:01.000000 UTC',
].join('\n');

/** Runs report_rewind with the Postgres tools faked: pg_control on timeline 1, the primary's history leaving it at 0/8065398. */
function report(history: string, extraSegments: string[] = []) {
  const d = mkdtempSync(join(tmpdir(), 'm1-rewind-'));
  dirs.push(d);
  const bin = join(d, 'bin');
  const data = join(d, 'data');
  mkdirSync(bin);
  mkdirSync(join(data, 'pg_wal', 'archive_status'), { recursive: true });
  for (const seg of ['000000010000000000000007', '000000010000000000000008', '000000010000000000000009', '00000001000000000000000A.partial', ...extraSegments]) writeFileSync(join(data, 'pg_wal', seg), 'x');
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  tool('pg_controldata', `echo "pg_control version number:            1300"; echo "Latest checkpoint's TimeLineID:       1"`);
  writeFileSync(join(d, 'history'), history ? `${history}\n` : '');
  // As PRIMARY_HISTORY_SQL answers: the primary's timeline, then its history.
  tool('psql', `echo 'timeline: 2'; cat ${join(d, 'history')}`);
  tool('pg_waldump', `[ "$4" = 1 ] && [ "$6" = 0/8065398 ] || exit 3\ncat <<'EOF'\n${WALDUMP}\nEOF`);
  // runuser -u postgres -- CMD...: run CMD; chown: a no-op without a postgres user.
  tool('runuser', 'shift 3; exec "$@"');
  tool('chown', 'exit 0');
  const keepRoot = join(d, 'rewound');
  const fn = rewindReportFunction({ version: 15, me: 'alpha', primary: 'beta' })
    .replaceAll('/usr/lib/postgresql/15/bin', bin)
    .replaceAll('/opt/postgres/data', data)
    .replaceAll(REWOUND_WAL_DIR, keepRoot);
  const r = spawnSync('sh', ['-c', `${fn}\nreport_rewind`], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env['PATH']}` } });
  const kept = (existsSync(keepRoot) ? readdirSync(keepRoot, { withFileTypes: true }) : []).filter((e) => e.isDirectory()).flatMap((e) => readdirSync(join(keepRoot, e.name)));
  return { code: r.status, out: r.stdout + r.stderr, kept: kept.sort() };
}

describe('the rewind report', () => {
  it('names the fork point, the bytes past it and the committed transaction ids, and keeps the WAL from the fork segment on', () => {
    const r = report('1\t0/8065398\tno recovery target specified');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^m1: rewind report: alpha left beta's history at 0\/8065398 on timeline 1; 160 bytes of WAL written past it are discarded, transactions committed there: 812 813; that WAL is kept in .*-from-tl1$/m);
    expect(r.kept).toEqual(['000000010000000000000008', '000000010000000000000009']);
    expect(reportedXids(r.out)).toEqual([812, 813]);
  });

  it("says so, and stops nothing, when the primary's history does not leave this timeline", () => {
    const r = report('');
    expect(r.code).toBe(0);
    expect(r.out).toContain("beta's timeline history does not leave timeline 1: nothing of alpha's is discarded");
    expect(reportedXids(r.out)).toBeUndefined();
  });

  it("a standby that followed timeline 2 (pg_control still says 1): the report is about timeline 2, the newest it holds WAL of", () => {
    const r = report('1\t0/5000000\tno recovery target specified\n2\t0/8065398\tno recovery target specified', ['00000002.history', '00000002000000000000000A']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/alpha left beta's history at 0\/8065398 on timeline 2;/);
  });

  it('reads "none" as no transaction', () => {
    expect(reportedXids('m1: rewind report: a left b at 0/1 on timeline 1; 0 bytes of WAL written past it are discarded, transactions committed there: none; that WAL is kept in /x')).toEqual([]);
  });
});
