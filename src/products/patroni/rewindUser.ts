/**
 * What the `rewind` user needs so pg_rewind can run as a non-superuser
 * (PostgreSQL >= 11; Patroni's documented grants). The postgres role creates
 * the user with its stored password (LOGIN, no other attribute); these
 * statements go to the primary's `postgres` database once it exists, and are
 * idempotent (GRANT twice is a no-op).
 */
import { PATRONI_REWIND_USER } from './settings.js';
import { ident, literal } from '../postgres/sqlQuote.js';


export function rewindGrantStatements(user: string = PATRONI_REWIND_USER): string[] {
  const u = ident(user);
  return [
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_ls_dir(text, boolean, boolean) TO ${u}`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_stat_file(text, boolean) TO ${u}`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text) TO ${u}`,
    `GRANT EXECUTE ON FUNCTION pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean) TO ${u}`,
  ];
}

/** Whether the grants are all in place: one query answering t or f. */
export function rewindGrantsPresentQuery(user: string = PATRONI_REWIND_USER): string {
  const lit = literal(user);
  const fns = [
    'pg_catalog.pg_ls_dir(text, boolean, boolean)',
    'pg_catalog.pg_stat_file(text, boolean)',
    'pg_catalog.pg_read_binary_file(text)',
    'pg_catalog.pg_read_binary_file(text, bigint, bigint, boolean)',
  ];
  return `SELECT ${fns.map((f) => `has_function_privilege(${lit}, '${f}', 'EXECUTE')`).join(' AND ')}`;
}
