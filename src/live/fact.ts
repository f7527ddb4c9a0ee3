/**
 * A fact: one thing a host can tell about itself, as the command that asks
 * and the parser that reads the answer (pyinfra's facts are the model). A fact
 * prints its own `m1:<key>` lines (protocol.ts) so that many facts run as one
 * command per host (reading.ts) and each parser picks out its own lines.
 *
 * Two ways to ask:
 * - `shell`: a POSIX shell fragment, run as root (marked when it may wait
 *   on another host, so that a reading can bound it);
 * - `sql`: a query printing `m1:<key>=` rows (sqlRows), run in the host's ONE
 *   psql session on m1's server, in `database`, only when `when` (an SQL
 *   boolean) is true there. It is read only from m1's own server, never from
 *   another that answers on the socket.
 *
 * Parsers never throw: what a host could not tell is undefined (or empty),
 * and what went wrong is said through `problem`.
 */
import type { Line } from './protocol.js';

export type FactRead =
  | {
      shell: string;
      /**
       * Set when the fragment may wait on another host (a remote server, a
       * DCS): what it reads, as said when a bounded reading cuts it short
       * (reading.ts), e.g. `barman check main`.
       */
      waitsOnOthers?: string;
    }
  | { sql: string; database: string; when?: string };

export interface Fact<T> {
  /** Key of its lines; unique within a reading. */
  readonly key: string;
  readonly read: FactRead;
  /** Its lines (key itself or `<key>:<part>`, `part` after the colon) into the fact. */
  parse(lines: ReadonlyArray<Line & { part: string }>, problem: (message: string) => void): T;
}

/** The value a fact reads into. */
export type FactValue<F> = F extends Fact<infer T> ? T : never;

/** A SELECT printing one `m1:<key>=` line per row, fields joined by `|`, NULL as '', booleans as true/false. */
export function sqlRows(key: string, columns: readonly string[], from = ''): string {
  return `SELECT 'm1:${key}=' || concat_ws('|', ${columns.map((c) => `coalesce((${c})::text, '')`).join(', ')})${from ? ` ${from}` : ''}`;
}

/** An SQL string literal (standard_conforming_strings on, as on every supported version). */
export function sqlLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
