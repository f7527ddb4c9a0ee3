/**
 * The fence of a repmgr data node's Postgres: a script postgres.service runs
 * before the server (ExecStartPre, as postgres) that keeps a former primary
 * from coming back as a second, writable primary after repmgrd promoted
 * another node (its host rebooted, its container restarted, someone ran
 * `systemctl start postgres`).
 *
 * It only speaks up when this data directory would start as a primary (no
 * standby.signal; recovery.conf before PostgreSQL 12): it asks every other
 * data node of the cluster, all at once and each bounded by connect_timeout
 * and `timeout`, whether it runs out of recovery. If one does, the start is
 * refused (exit 1, one journal line naming the live primary and the fix,
 * `m1 deploy`, which rejoins this node as its standby) and Postgres stays
 * down. If no peer answers as primary (peers down, a whole-cluster restart,
 * the network not up yet) it lets the server start: the fence prevents a
 * second primary beside a live one, it never decides who is primary.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { DATA_DIR, binDir } from '../postgres/layout.js';
import { POSTGRES_PGPASS } from '../postgres/pgpass.js';
import { FENCED_MARKER } from './runtimeFence.js';
import { repmgrDsn } from './conninfo.js';

export const FENCE_PATH = '/usr/local/sbin/m1-postgres-fence';

/** Seconds a peer gets to answer (connect), and at most for the whole question. */
export const FENCE_CONNECT_TIMEOUT_S = 3;
export const FENCE_PEER_TIMEOUT_S = 8;

export interface FenceInput {
  version: PostgresVersion;
  /** This host. */
  me: string;
  /** The cluster's other data nodes (primary and replicas; never a witness, whose server is always out of recovery). */
  peers: readonly string[];
}

/** The file whose presence makes the server start as a standby. */
export function standbyMarker(version: PostgresVersion): string {
  return version >= 12 ? `${DATA_DIR}/standby.signal` : `${DATA_DIR}/recovery.conf`;
}

export function fenceScript(f: FenceInput): string {
  const psql = `${binDir(f.version)}/psql`;
  const conninfo = `${repmgrDsn('$peer')} connect_timeout=${FENCE_CONNECT_TIMEOUT_S}`;
  const lines = [
    '#!/bin/sh',
    `# Written by m1: run by postgres.service before the server starts (ExecStartPre) on ${f.me}.`,
    '# Refuses to start this server as a primary while another data node of the cluster',
    '# runs as primary; starts it when none answers as one (see roles/postgres/README.md).',
    `marker=${quote(standbyMarker(f.version))}`,
    `[ -f ${quote(`${DATA_DIR}/PG_VERSION`)} ] || exit 0`,
    '[ -f "$marker" ] && exit 0',
  ];
  if (f.peers.length === 0) {
    lines.push('exit 0');
    return lines.join('\n') + '\n';
  }
  lines.push(
    '# Every peer at once; each answer bounded, so a host that is down costs seconds, not minutes.',
    'live=$(',
    `  for peer in ${f.peers.map(quote).join(' ')}; do`,
    `    ( r=$(PGPASSFILE=${quote(POSTGRES_PGPASS)} timeout ${FENCE_PEER_TIMEOUT_S} ${psql} -XAtqw -d "${conninfo}" -c 'SELECT pg_is_in_recovery()' 2>/dev/null)`,
    '      if [ "$r" = f ]; then echo "$peer"; fi ) &',
    '  done',
    '  wait',
    ')',
    'if [ -n "$live" ]; then',
    `  echo "m1 fence: not starting Postgres on ${f.me} as a second primary: $(echo $live) runs as primary now; this data directory is a former primary (no $marker); run m1 deploy, which rejoins it as a standby (repmgr node rejoin --force-rewind)" >&2`,
    '  exit 1',
    'fi',
    // The runtime fence's marker: the server starts, still refusing writes (ALTER SYSTEM), until m1-fence lifts it.
    `if [ -f ${quote(FENCED_MARKER)} ]; then echo "m1 fence: ${f.me} $(head -n 1 ${quote(FENCED_MARKER)}); Postgres starts refusing writes until m1-fence lifts the fence" >&2; fi`,
    'exit 0',
  );
  return lines.join('\n') + '\n';
}
