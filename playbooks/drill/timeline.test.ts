import { describe, expect, it } from 'vitest';
import { computeTimeline, overlapMs, writableIntervals, type Attempt, type NodeSample, type NodeState, type TimelineInput } from './timeline.js';

/** Samples of one host every 250 ms from `from` to `to`, the state given by a function of time. */
function every250(host: string, from: number, to: number, state: (t: number) => NodeState): NodeSample[] {
  const out: NodeSample[] = [];
  for (let t = from; t <= to; t += 250) out.push({ host, atMs: t, state: state(t) });
  return out;
}

const writes = (from: number, to: number, server: (t: number) => string | undefined): Attempt[] => {
  const out: Attempt[] = [];
  for (let t = from; t <= to; t += 200) {
    const sv = server(t);
    out.push(sv ? { atMs: t, ok: true, server: sv } : { atMs: t, ok: false });
  }
  return out;
};

const base = (over: Partial<TimelineInput>): TimelineInput => ({
  struck: 'a',
  struckPrimary: true,
  partition: false,
  primaryBefore: 'a',
  primaryAfter: 'b',
  samples: [],
  entryPoints: [],
  maxSampleGapMs: 500,
  endMs: 20_000,
  ...over,
});

describe('drill timeline', () => {
  it('a crashed primary: detected at once, promotion when the replica first takes writes, no fence, no split brain', () => {
    const samples = [
      ...every250('a', -1000, 20_000, (t) => (t < 0 ? 'writable' : 'unreachable')),
      ...every250('b', -1000, 20_000, (t) => (t < 12_000 ? 'read-only' : 'writable')),
    ];
    const t = computeTimeline(
      base({
        samples,
        entryPoints: [
          { host: 'c', port: 6432, kind: 'write', attempts: writes(-1000, 20_000, (x) => (x < 0 ? 'a' : x < 13_000 ? undefined : 'b')) },
          { host: 'h', port: 5433, kind: 'read', attempts: writes(-1000, 20_000, () => 'b') },
        ],
      }),
    );
    expect(t.detect_s).toBe(0);
    expect(t.promote_s).toBe(12);
    expect(t.fence_s).toBeNull();
    expect(t.split_brain_s).toBe(0);
    expect(t.entry_points).toEqual([
      { host: 'c', port: 6432, follow_s: 13, reached_s: 13 },
      { host: 'h', port: 5433, follow_s: 0, reached_s: 0 },
    ]);
    // 5 before the fault and 36 after the promotion (13.0 .. 20.0 s, 200 ms apart).
    expect(t.acked_writes).toBe(5 + 36);
  });

  it('a partitioned primary that keeps taking writes: no fence, the overlap with the promoted replica is split brain', () => {
    const samples = [...every250('a', -500, 20_000, () => 'writable'), ...every250('b', -500, 20_000, (t) => (t < 10_000 ? 'read-only' : 'writable'))];
    const t = computeTimeline(base({ partition: true, samples }));
    expect(t.detect_s).toBeNull();
    expect(t.fence_s).toBeNull();
    expect(t.promote_s).toBe(10);
    // b writable from 10 000 to the end (20 000 + its last interval is cut at the end).
    expect(t.split_brain_s).toBe(10);
  });

  it('a partitioned primary that fences before the promotion: fence_s, and no overlap', () => {
    const samples = [
      ...every250('a', -500, 20_000, (t) => (t < 6_000 ? 'writable' : 'read-only')),
      ...every250('b', -500, 20_000, (t) => (t < 10_000 ? 'read-only' : 'writable')),
    ];
    const t = computeTimeline(base({ partition: true, samples }));
    expect(t.fence_s).toBe(6);
    expect(t.detect_s).toBe(6);
    expect(t.split_brain_s).toBe(0);
  });

  it('a write acknowledged by the old primary after others landed on the new one resets the follow time', () => {
    const attempts: Attempt[] = [
      { atMs: 1000, ok: true, server: 'b' },
      { atMs: 2000, ok: true, server: 'a' },
      { atMs: 3000, ok: false },
      { atMs: 4000, ok: true, server: 'b' },
      { atMs: 5000, ok: true, server: 'b' },
    ];
    const t = computeTimeline(base({ entryPoints: [{ host: 'c', port: 6432, kind: 'write', attempts }] }));
    expect(t.entry_points[0]!.follow_s).toBe(4);
    const dead = computeTimeline(base({ entryPoints: [{ host: 'a', port: 6432, kind: 'write', attempts: [{ atMs: 100, ok: false }] }] }));
    expect(dead.entry_points[0]!.follow_s).toBeNull();
  });

  it('one late failure (a client timing out on a loaded machine) moves follow_s, not reached_s: when clients first got to the new primary', () => {
    const samples = [...every250('a', -500, 20_000, (t) => (t < 0 ? 'writable' : 'unreachable')), ...every250('b', -500, 20_000, (t) => (t < 12_000 ? 'read-only' : 'writable'))];
    const late = (x: number) => (x < 0 ? 'a' : x < 13_000 || (x >= 17_000 && x < 17_200) ? undefined : 'b');
    const t = computeTimeline(base({ samples, entryPoints: [{ host: 'c', port: 6432, kind: 'write', attempts: writes(-1000, 20_000, late) }] }));
    expect(t.promote_s).toBe(12);
    expect(t.entry_points).toEqual([{ host: 'c', port: 6432, follow_s: 17.2, reached_s: 13 }]);
    // A write the old primary acknowledged after the promotion is not the new primary's: not reached by it.
    const stale = computeTimeline(base({ samples, entryPoints: [{ host: 'c', port: 6432, kind: 'write', attempts: writes(-1000, 20_000, (x) => (x < 14_000 ? 'a' : 'b')) }] }));
    expect(stale.entry_points[0]!.reached_s).toBe(14);
    const never = computeTimeline(base({ samples, entryPoints: [{ host: 'c', port: 6432, kind: 'write', attempts: writes(-1000, 20_000, (x) => (x < 0 ? 'a' : undefined)) }] }));
    expect(never.entry_points[0]).toMatchObject({ follow_s: null, reached_s: null });
  });

  it('a crashed replica: detected, nothing promoted', () => {
    const samples = [...every250('a', -500, 5000, () => 'writable'), ...every250('r', -500, 5000, (t) => (t < 250 ? 'read-only' : 'unreachable'))];
    const t = computeTimeline(base({ struck: 'r', struckPrimary: false, primaryAfter: 'a', samples }));
    expect(t.detect_s).toBe(0.25);
    expect(t.promote_s).toBeNull();
    expect(t.split_brain_s).toBe(0);
  });

  it('intervals: a writable sample lasts until the next sample, at most the gap; touching intervals do not overlap', () => {
    const iv = writableIntervals(
      [
        { host: 'a', atMs: 0, state: 'writable' },
        { host: 'a', atMs: 250, state: 'writable' },
        { host: 'a', atMs: 2000, state: 'writable' },
        { host: 'a', atMs: 2250, state: 'read-only' },
      ],
      500,
      3000,
    );
    expect(iv.get('a')).toEqual([
      [0, 750],
      [2000, 2250],
    ]);
    const m = new Map<string, [number, number][]>([
      ['a', [[0, 100]]],
      ['b', [[100, 200]]],
      ['c', [[150, 400]]],
    ]);
    expect(overlapMs(m)).toBe(50);
  });
});
