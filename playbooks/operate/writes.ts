/**
 * The rows m1 writes to prove a server takes writes and that they reach
 * every replica: table m1.writes in the postgres database (created if
 * missing; rows older than a day are deleted as new ones are written).
 */

import { literal } from '../../src/products/postgres/sqlQuote.js';

/** A token unique enough for one check run. */
export function newToken(prefix: string, now = Date.now()): string {
  return `${prefix}-${now.toString(36)}-${Math.floor(Math.random() * 36 ** 6).toString(36)}`;
}

/**
 * Creates the table if needed, writes one row, prints `m1:wrote=<token>`.
 * Several clients may run this at once on a fresh server: CREATE ... IF NOT
 * EXISTS is not safe against that (a concurrent creator hits a unique
 * violation in the catalog), so each creation is a block that ignores it.
 */
export function writeRowSql(token: string, via: string): string {
  const tolerant = (ddl: string) => `DO $m1$ BEGIN ${ddl}; EXCEPTION WHEN unique_violation OR duplicate_schema OR duplicate_table THEN NULL; END $m1$`;
  return [
    tolerant('CREATE SCHEMA IF NOT EXISTS m1'),
    tolerant('CREATE TABLE IF NOT EXISTS m1.writes (token text PRIMARY KEY, via text NOT NULL, written_at timestamptz NOT NULL DEFAULT now())'),
    "DELETE FROM m1.writes WHERE written_at < now() - interval '1 day'",
    `INSERT INTO m1.writes (token, via) VALUES (${literal(token)}, ${literal(via)}) RETURNING 'm1:wrote=' || token`,
  ].join('; ');
}

/** Prints `m1:seen=1` once the row is there (fails while the table does not exist yet). */
export function seenRowSql(token: string): string {
  return `SELECT 'm1:seen=' || count(*) FROM m1.writes WHERE token = ${literal(token)}`;
}

export function wroteToken(output: string): string | undefined {
  return /^m1:wrote=(.*)$/m.exec(output)?.[1];
}
