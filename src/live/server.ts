/**
 * m1's Postgres server on a host, as every caller that places the host in the
 * live topology reads it (deploy before it changes anything, status,
 * switchover, `m1 test`): does the data directory hold a cluster, does the
 * server answer (pgNode: primary or not, the live timeline, identity), whom
 * does it stream from (walReceiver). Where m1's server answers (the
 * reading's `postgres` place) is product knowledge, from the layout.
 */
import type { PostgresVersion } from '../inventory/cluster.js';
import { DATA_DIR, POSTGRES_PORT, SOCKET_DIR, binDir } from '../products/postgres/layout.js';
import { dataDirVersion } from './facts/dataDirVersion.js';
import { pgNode, type PgNode } from './facts/pgNode.js';
import { walReceiver, type WalReceiver } from './facts/walReceiver.js';
import type { PostgresPlace } from './reading.js';

/** Where m1's server answers: the versioned psql (never Debian's pg_wrapper, a Perl script costing ~50 ms), socket, port, data directory. */
export function postgresPlace(version: PostgresVersion): PostgresPlace {
  return { bin: binDir(version), socketDir: SOCKET_DIR, port: POSTGRES_PORT, dataDir: DATA_DIR };
}

/** The facts of a reading that tell about the server (keys `pgdata`, `pg`, `rcv`). */
export const serverFacts = { dataDirVersion: dataDirVersion(DATA_DIR), node: pgNode, receiver: walReceiver } as const;

/** What serverFacts read: `node` is undefined when m1's server did not answer. */
export interface ServerState {
  dataDirVersion?: string;
  node?: PgNode;
  receiver?: WalReceiver;
}

/**
 * The host a standby streams from, as Postgres names it (a name or an
 * address): its WAL receiver's sender, else primary_conninfo's host (a
 * standby whose receiver is down still names it there). Undefined on a
 * primary or a server that did not answer.
 */
export function upstreamHost(s: ServerState): string | undefined {
  if (!s.node?.inRecovery) return undefined;
  return s.receiver?.senderHost ?? s.node.conninfoHost;
}
