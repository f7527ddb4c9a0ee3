/**
 * SQL quoting for PostgreSQL. Every value m1 puts into a statement (a role
 * name, a password verifier, a slot, a path) goes through `literal` or
 * `ident`, so no value is ever re-parsed as SQL. It lives with the Postgres
 * knowledge because the rules are PostgreSQL's (E'' strings,
 * standard_conforming_strings), not SQL's in general.
 */

/** PostgreSQL text cannot hold NUL: refuse it rather than send a value the server would cut or reject. */
function refuseNul(value: string, what: string): void {
  if (value.includes('\0')) throw new RangeError(`${what} ${JSON.stringify(value)}: PostgreSQL text cannot contain NUL`);
}

/**
 * A string literal that reads the same whatever standard_conforming_strings
 * says (libpq's PQescapeLiteral does the same): quotes doubled; a value with a
 * backslash becomes an E'' literal with each backslash doubled, because with
 * the setting off a plain '' literal reads backslashes as escapes.
 */
export function literal(value: string): string {
  refuseNul(value, 'SQL literal');
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}

/** An SQL identifier, always double-quoted (so case and any character are kept). */
export function ident(name: string): string {
  refuseNul(name, 'SQL identifier');
  return `"${name.replace(/"/g, '""')}"`;
}
