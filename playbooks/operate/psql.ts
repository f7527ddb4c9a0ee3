/** psql as postgres on a host's own server (m1's socket, the versioned binary, no ~/.psqlrc). */
import { quote } from '../../src/engine/index.js';
import type { PostgresVersion } from '../../src/inventory/cluster.js';
import { POSTGRES_HOME, POSTGRES_PORT, SOCKET_DIR, binDir } from '../../src/products/postgres/layout.js';

export function localPsqlCommand(version: PostgresVersion, sql: string, db = 'postgres'): string {
  return `cd / && runuser -u postgres -- env HOME=${POSTGRES_HOME} ${binDir(version)}/psql -XAtq -v ON_ERROR_STOP=1 -h ${SOCKET_DIR} -p ${POSTGRES_PORT} -d ${db} -c ${quote(sql)}`;
}

/**
 * Polls the local server with `sql` (bounded: `tries` times, `intervalS`
 * apart) until it prints `expect`; prints the last answer either way and
 * exits 0 only on a match.
 */
export function pollLocalCommand(version: PostgresVersion, sql: string, expect: string, tries: number, intervalS = 0.2): string {
  return [
    'i=0; last=',
    `while [ "$i" -lt ${tries} ]; do`,
    `  last=$(${localPsqlCommand(version, sql)} 2>&1)`,
    `  if [ "$last" = ${quote(expect)} ]; then echo "$last"; exit 0; fi`,
    `  i=$((i + 1)); sleep ${intervalS}`,
    'done',
    'echo "$last"; exit 1',
  ].join('\n');
}

/** A command run as postgres with its HOME (its .pgpass and ~/.ssh), from /. */
export function asPostgres(command: string): string {
  return `cd / && runuser -u postgres -- env HOME=${POSTGRES_HOME} sh -c ${quote(command)}`;
}
