/** How deploy runs things as the postgres OS user: a shell command, local psql, psql to a peer. */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { POSTGRES_HOME, POSTGRES_PORT, POSTGRES_USER, SOCKET_DIR, binDir } from './layout.js';
import { POSTGRES_PGPASS } from './pgpass.js';

/**
 * `cmd` run by sh as postgres, from /, with postgres's HOME and .pgpass (root's
 * environment would point libpq at /root). Needs root (the engine's shell).
 */
export function asPostgres(cmd: string): string {
  return `cd / && runuser -u ${POSTGRES_USER} -- env HOME=${POSTGRES_HOME} PGPASSFILE=${POSTGRES_PGPASS} sh -c ${quote(cmd)}`;
}

/** psql on the local socket, unaligned, quiet, stopping at the first error; SQL on stdin unless `-c` is added. */
export function localPsql(version: PostgresVersion, database: string, extra = ''): string {
  return asPostgres(`${binDir(version)}/psql -XAtq -v ON_ERROR_STOP=1 -h ${SOCKET_DIR} -p ${POSTGRES_PORT} -d ${quote(database)}${extra ? ' ' + extra : ''}`);
}

/** psql to another host's server as `conninfo` says (password from postgres's .pgpass). */
export function remotePsql(version: PostgresVersion, conninfo: string, extra = ''): string {
  return asPostgres(`${binDir(version)}/psql -XAtq -v ON_ERROR_STOP=1 -d ${quote(conninfo)}${extra ? ' ' + extra : ''}`);
}
