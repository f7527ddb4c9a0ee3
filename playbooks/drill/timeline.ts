/**
 * What a drill measured, computed from its raw observations. Pure. Every
 * time is in ms from the fault on the control node's clock (samples taken
 * before it are negative); the report gives seconds.
 */

/** What the sampler saw of one host at one instant. */
export type NodeState =
  /** Out of recovery, and a probe INSERT committed within 500 ms. */
  | 'writable'
  /** Postgres answered but took no write (in recovery, fenced, or too slow). */
  | 'read-only'
  /** The host answered over SSH, its Postgres did not (or it runs none). */
  | 'stopped'
  /** The host did not answer in time. */
  | 'unreachable';

export interface NodeSample {
  host: string;
  atMs: number;
  state: NodeState;
}

/** One client attempt through an entry point: a write or a read, acknowledged or not. */
export interface Attempt {
  atMs: number;
  ok: boolean;
  /** The server that answered (its cluster_name, m1 sets it to the host name). */
  server?: string;
}

export interface EntryPointLog {
  host: string;
  port: number;
  /** Writes must land on the final primary; reads on any server. */
  kind: 'write' | 'read';
  attempts: Attempt[];
}

export interface TimelineInput {
  /** The host struck. */
  struck: string;
  /** Whether it was the primary, and cut off rather than killed (a fence is then needed). */
  struckPrimary: boolean;
  partition: boolean;
  /** The primary before the fault, and after healing (undefined: none). */
  primaryBefore: string;
  primaryAfter: string | undefined;
  samples: readonly NodeSample[];
  entryPoints: readonly EntryPointLog[];
  /** A writable sample counts until the node's next sample, at most this long (twice the sampling interval). */
  maxSampleGapMs: number;
  /** When sampling stopped. */
  endMs: number;
}

export interface EntryPointFollow {
  host: string;
  port: number;
  /** From the fault until every attempt through it succeeded (writes: on the final primary); 0: never failed; null: never did. */
  follow_s: number | null;
  /**
   * From the fault until the first attempt through it, from the promotion on, that succeeded (writes: on the final
   * primary): when it first sent a client to the new primary. 0: never failed; null: no attempt did. A late failure
   * (a client's timeout on a loaded machine) moves follow_s, not this.
   */
  reached_s: number | null;
}

export interface Timeline {
  detect_s: number | null;
  promote_s: number | null;
  fence_s: number | null;
  entry_points: EntryPointFollow[];
  acked_writes: number;
  split_brain_s: number;
}

const s = (ms: number | undefined): number | null => (ms === undefined ? null : Math.round(ms) / 1000);

function byHost(samples: readonly NodeSample[]): Map<string, NodeSample[]> {
  const m = new Map<string, NodeSample[]>();
  for (const x of [...samples].sort((a, b) => a.atMs - b.atMs)) m.set(x.host, [...(m.get(x.host) ?? []), x]);
  return m;
}

/** Each host's writable intervals [from, to): from a writable sample until its next sample (bounded). */
export function writableIntervals(samples: readonly NodeSample[], maxGapMs: number, endMs: number): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const [host, xs] of byHost(samples)) {
    const iv: [number, number][] = [];
    xs.forEach((x, n) => {
      if (x.state !== 'writable') return;
      const next = xs[n + 1]?.atMs ?? Math.max(endMs, x.atMs);
      const to = Math.min(next, x.atMs + maxGapMs);
      const last = iv.at(-1);
      if (last && last[1] >= x.atMs) last[1] = Math.max(last[1], to);
      else iv.push([x.atMs, to]);
    });
    out.set(host, iv);
  }
  return out;
}

/** Total time during which two or more hosts were writable at once, ms. */
export function overlapMs(intervals: Map<string, [number, number][]>): number {
  const events: [number, number][] = [];
  for (const iv of intervals.values()) for (const [a, b] of iv) if (b > a) events.push([a, +1], [b, -1]);
  // Ends before starts at the same instant: touching intervals do not overlap.
  events.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let since = 0;
  let total = 0;
  for (const [t, d] of events) {
    if (open >= 2) total += t - since;
    open += d;
    since = t;
  }
  return total;
}

/** An attempt that did what the entry point is for: any answer for reads, an answer from `primary` for writes. */
function goodAttempt(log: EntryPointLog, primary: string | undefined): (a: Attempt) => boolean {
  return (a) => a.ok && (log.kind === 'read' || (primary !== undefined && a.server === primary));
}

/** The time from which every attempt succeeded (and, for writes, on `primary`); 0 when that held from the fault on. */
function followMs(log: EntryPointLog, primary: string | undefined): number | undefined {
  const good = goodAttempt(log, primary);
  const xs = [...log.attempts].sort((a, b) => a.atMs - b.atMs);
  let from: number | undefined;
  for (const a of xs) {
    if (!good(a)) from = undefined;
    else if (from === undefined) from = a.atMs;
  }
  if (from === undefined) return undefined;
  return Math.max(0, from);
}

/** The first good attempt at or after `fromMs` (the promotion); 0 when every attempt succeeded. */
function reachedMs(log: EntryPointLog, primary: string | undefined, fromMs: number | undefined): number | undefined {
  const good = goodAttempt(log, primary);
  if (log.attempts.length > 0 && log.attempts.every(good)) return 0;
  if (fromMs === undefined) return undefined;
  return [...log.attempts].sort((a, b) => a.atMs - b.atMs).find((a) => a.atMs >= fromMs && good(a))?.atMs;
}

export function computeTimeline(input: TimelineInput): Timeline {
  const hosts = byHost(input.samples);
  const after = (h: string) => (hosts.get(h) ?? []).filter((x) => x.atMs >= 0);
  const struck = after(input.struck);
  const before = (hosts.get(input.struck) ?? []).filter((x) => x.atMs < 0).at(-1)?.state;
  // The drill saw the fault take effect: the struck host changed state (an unfenced partitioned primary never does).
  const detect = struck.find((x) => (before === undefined ? x.state !== 'writable' : x.state !== before))?.atMs;
  const promote = input.samples
    .filter((x) => x.atMs >= 0 && x.host !== input.primaryBefore && x.state === 'writable')
    .reduce<number | undefined>((m, x) => (m === undefined || x.atMs < m ? x.atMs : m), undefined);
  // Only a primary cut off (still running) needs a fence: it stopped taking writes while the drill could still ask it.
  const fence = input.struckPrimary && input.partition ? struck.find((x) => x.state === 'read-only' || x.state === 'stopped')?.atMs : undefined;
  return {
    detect_s: s(detect),
    promote_s: s(promote),
    fence_s: s(fence),
    entry_points: input.entryPoints.map((e) => ({
      host: e.host,
      port: e.port,
      follow_s: s(followMs(e, input.primaryAfter)),
      reached_s: s(reachedMs(e, input.primaryAfter, promote)),
    })),
    acked_writes: input.entryPoints.filter((e) => e.kind === 'write').reduce((n, e) => n + e.attempts.filter((a) => a.ok).length, 0),
    split_brain_s: s(overlapMs(writableIntervals(input.samples, input.maxSampleGapMs, input.endMs)))!,
  };
}
