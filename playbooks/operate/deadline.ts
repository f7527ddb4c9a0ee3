/**
 * When `m1 status` must have answered: by `endsAt`, whatever has not answered
 * is said as not read, never waited for. A command sent to a host gets what
 * is left for its steps that wait on other hosts, less the time its answer
 * takes to come back and be read.
 */

export interface Deadline {
  /** What the user asked for (`--timeout`), said in every "not read within" message. */
  withinS: number;
  /** On performance.now()'s clock, whose 0 is the process start. */
  endsAt: number;
}

/** Kept after the deadline to evaluate, print and close the connections (measured: well under 100 ms). */
export const REPORT_MS = 250;
/** From a host's bounded steps ending to its answer parsed here: `timeout`'s TERM, the SSH round trip, a loaded machine. */
export const ANSWER_MS = 350;
/** The least a bounded step is given, even when the deadline is nearer: a step cut at once reads nothing. */
const MIN_BOUND_S = 0.3;

/** A deadline `seconds` after `from` (default now; 0 is the process start, which `m1 status` counts from). */
export function deadlineIn(seconds: number, from = performance.now()): Deadline {
  return { withinS: seconds, endsAt: from + seconds * 1000 - REPORT_MS };
}

export function leftMs(d: Deadline, now = performance.now()): number {
  return d.endsAt - now;
}

/** Seconds for the bounded steps of a command sent now; `share` of them when the command runs two bounded blocks in turn. */
export function stepBoundS(d: Deadline, now = performance.now(), share = 1): number {
  return Math.max(MIN_BOUND_S, ((leftMs(d, now) - ANSWER_MS) / 1000) * share);
}

/** `work`'s value, or `late` when the deadline comes first (work goes on; its value is then ignored). */
export async function beforeDeadline<T>(d: Deadline | undefined, work: Promise<T>): Promise<{ value: T } | 'late'> {
  if (d === undefined) return { value: await work };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), Math.max(0, leftMs(d)))));
  const done = work.then((value) => ({ value }));
  // A failure after the deadline is nobody's to hear.
  done.catch(() => undefined);
  try {
    return await Promise.race([done, late]);
  } finally {
    clearTimeout(timer);
  }
}
