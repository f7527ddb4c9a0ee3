/**
 * `m1 restore`'s recovery target from its flags (exactly one of
 * --target-time, --target-lsn, --latest), checked before anything is read or
 * created: a bad flag is exit 2. Pure.
 *
 * A time must say its zone (`+00`, `+01:00`, `Z`): the database clock's
 * `now()` prints one (`2026-12-07 02:55:00.123456+00`), and a zone-less time
 * would be read in the Barman host's zone by Barman and in the server's by
 * Postgres. The microseconds are kept: rows a millisecond apart are told apart.
 */
import { UsageError } from '../../../src/errors.js';
import { parseLsn } from '../../../src/products/postgres/lsn.js';

export type RestoreTarget =
  | {
      kind: 'time';
      /** For Barman and Postgres: `2026-12-07 02:55:00.123456+00:00`. */
      text: string;
      /** Epoch milliseconds, for comparing with backup end times. */
      ms: number;
    }
  | { kind: 'lsn'; lsn: string; position: bigint }
  | { kind: 'latest' };

export interface TargetFlags {
  targetTime?: string;
  targetLsn?: string;
  latest?: boolean;
}

const TIME = /^(\d{4}-\d\d-\d\d)[ T](\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\s*(Z|[+-]\d\d(?::?\d\d)?)$/i;

/** `Z`, `+01`, `+0130`, `+01:30` as `+HH:MM`. */
function zone(z: string): string {
  if (z.toUpperCase() === 'Z') return '+00:00';
  const digits = z.slice(1).replace(':', '');
  return `${z[0]}${digits.slice(0, 2)}:${digits.slice(2, 4) || '00'}`;
}

/** A time with its zone as the target; undefined when it is not one. */
export function parseTargetTime(text: string): { text: string; ms: number } | undefined {
  const m = TIME.exec(text.trim());
  if (!m) return undefined;
  const frac = (m[3] ?? '').padEnd(6, '0');
  const tz = zone(m[4]!);
  const ms = Date.parse(`${m[1]}T${m[2]}.${frac.slice(0, 3)}${tz}`);
  if (Number.isNaN(ms)) return undefined;
  return { text: `${m[1]} ${m[2]}.${frac}${tz}`, ms };
}

export function parseRestoreTarget(flags: TargetFlags): RestoreTarget {
  const given = [flags.targetTime !== undefined && '--target-time', flags.targetLsn !== undefined && '--target-lsn', flags.latest === true && '--latest'].filter(
    (x): x is string => typeof x === 'string',
  );
  if (given.length !== 1) {
    throw new UsageError(
      given.length === 0
        ? 'give the point to restore to: --target-time "YYYY-MM-DD HH:MM:SS[.ffffff]+ZZ", --target-lsn X/X or --latest'
        : `${given.join(' and ')}: give only one recovery target`,
    );
  }
  if (flags.targetTime !== undefined) {
    const t = parseTargetTime(flags.targetTime);
    if (!t) {
      throw new UsageError(
        `--target-time ${JSON.stringify(flags.targetTime)}: not a time with its zone; e.g. "2026-12-07 02:55:00.123456+00" (what the database's now() prints) or 2026-12-07T02:55:00Z`,
      );
    }
    return { kind: 'time', ...t };
  }
  if (flags.targetLsn !== undefined) {
    const position = parseLsn(flags.targetLsn);
    if (position === undefined) throw new UsageError(`--target-lsn ${JSON.stringify(flags.targetLsn)}: not a WAL position; e.g. 0/5000060 (what pg_current_wal_lsn() prints)`);
    return { kind: 'lsn', lsn: flags.targetLsn.trim().toUpperCase(), position };
  }
  return { kind: 'latest' };
}

/** The target as the output names it. */
export function describeTarget(t: RestoreTarget): string {
  return t.kind === 'time' ? `time ${t.text}` : t.kind === 'lsn' ? `LSN ${t.lsn}` : 'the latest archived WAL';
}

/** --data-nodes N: the new cluster's data nodes, the primary included (1 to 9). */
export function parseDataNodes(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = /^\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 9) throw new UsageError(`--data-nodes ${JSON.stringify(text)}: give the number of data nodes of the new cluster, the primary included: 1 (default) to 9`);
  return n;
}
