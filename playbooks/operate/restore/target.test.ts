import { describe, expect, it } from 'vitest';
import { describeTarget, parseDataNodes, parseRestoreTarget, parseTargetTime } from './target.js';

describe("m1 restore's target", () => {
  it("takes the database clock's now() as printed, keeping the microseconds, and ISO with Z or an offset", () => {
    expect(parseTargetTime('2026-12-07 02:55:00.123456+00')).toEqual({ text: '2026-12-07 02:55:00.123456+00:00', ms: Date.UTC(2026, 11, 7, 2, 55, 0, 123) });
    expect(parseTargetTime('2026-12-07T02:55:00Z')).toEqual({ text: '2026-12-07 02:55:00.000000+00:00', ms: Date.UTC(2026, 11, 7, 2, 55, 0) });
    expect(parseTargetTime('2026-12-07 03:55:00.5+01:00')!.ms).toBe(Date.UTC(2026, 11, 7, 2, 55, 0, 500));
    expect(parseTargetTime('2026-12-07 08:25:00-0530')!.text).toBe('2026-12-07 08:25:00.000000-05:30');
  });

  it('refuses a time without its zone, or not a time (exit 2)', () => {
    for (const t of ['2026-12-07 02:55:00', 'yesterday', '2026-13-07 02:55:00+00', '2026-12-07']) {
      expect(() => parseRestoreTarget({ targetTime: t }), t).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });

  it('takes exactly one of --target-time, --target-lsn, --latest', () => {
    expect(parseRestoreTarget({ latest: true })).toEqual({ kind: 'latest' });
    expect(parseRestoreTarget({ targetLsn: '0/5000a60' })).toEqual({ kind: 'lsn', lsn: '0/5000A60', position: 0x5000a60n });
    expect(() => parseRestoreTarget({})).toThrow(/give the point to restore to/);
    expect(() => parseRestoreTarget({ latest: true, targetLsn: '0/1' })).toThrow(/--target-lsn and --latest: give only one/);
    expect(() => parseRestoreTarget({ targetLsn: '5000A60' })).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('names the target for the output', () => {
    expect(describeTarget(parseRestoreTarget({ targetTime: '2026-12-07 02:55:00+00' }))).toBe('time 2026-12-07 02:55:00.000000+00:00');
    expect(describeTarget({ kind: 'latest' })).toBe('the latest archived WAL');
  });

  it('--data-nodes: 1 by default, 1 to 9', () => {
    expect(parseDataNodes(undefined)).toBe(1);
    expect(parseDataNodes('3')).toBe(3);
    for (const n of ['0', '10', 'two', '1.5', '-1']) expect(() => parseDataNodes(n), n).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
