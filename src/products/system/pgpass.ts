/**
 * ~/.pgpass lines: `host:port:database:user:password`, where `:` and `\` in
 * any field are escaped with a backslash (libpq's rule). `*` in the first
 * four fields matches anything; a literal `*` cannot be expressed, so fields
 * are written as given.
 */
import { UsageError } from '../../errors.js';

export interface PgpassEntry {
  host: string;
  port: string | number;
  database: string;
  user: string;
  password: string;
}

export function pgpassEscape(field: string): string {
  if (/[\r\n]/.test(field)) throw new UsageError('.pgpass field: line breaks cannot be stored');
  return field.replace(/[\\:]/g, (c) => `\\${c}`);
}

export function pgpassLine(e: PgpassEntry): string {
  return [e.host, String(e.port), e.database, e.user, e.password].map(pgpassEscape).join(':');
}

/** A whole .pgpass file (libpq ignores it unless its mode is 0600 or stricter). */
export function pgpassFile(entries: readonly PgpassEntry[]): string {
  return entries.map(pgpassLine).join('\n') + (entries.length ? '\n' : '');
}
