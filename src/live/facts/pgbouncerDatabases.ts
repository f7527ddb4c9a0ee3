/** PgBouncer's databases file (where it sends clients), as it is; undefined when missing. */
import type { Fact } from '../fact.js';
import { decode, fileLine } from '../protocol.js';

export function pgbouncerDatabases(path: string): Fact<string | undefined> {
  return {
    key: 'pgbdb',
    read: { shell: fileLine('pgbdb', path) },
    parse: (lines) => (lines[0] ? decode(lines[0].value) : undefined),
  };
}
