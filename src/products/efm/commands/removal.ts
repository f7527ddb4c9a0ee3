/**
 * What m1 remove-node runs on an EFM cluster, as pure command builders.
 * Written from EFM's documentation (`efm disallow-node`) and m1's own clone
 * (clone.ts): not run against a real EFM, which cannot be installed here.
 *
 * EFM keeps no standby's upstream: a cascaded standby streams from what its
 * primary_conninfo (postgresql.auto.conf, written by the clone) names, and
 * EFM repoints standbys only after a promotion. So a downstream standby is
 * repointed by m1: its slot made on the new upstream, primary_conninfo
 * rewritten (ALTER SYSTEM), the server reloaded (restarted before
 * PostgreSQL 13, where primary_conninfo needs it).
 */
import { quote } from '../../../engine/shell/quote.js';
import type { Cluster, PostgresVersion } from '../../../inventory/cluster.js';
import { binDir, POSTGRES_SERVICE } from '../../postgres/layout.js';
import { asPostgres, localPsql } from '../../postgres/run.js';
import { literal } from '../../postgres/sqlQuote.js';
import { waitStreamingFromCommand } from '../../postgres/streamingWait.js';
import { efmPaths, efmVersion } from '../version.js';
import { replicaConninfo } from '../clone.js';
import { assertAddress, assertClusterName, type HostCommand } from './hostCommand.js';

/** `efm disallow-node <cluster> <address>`: the agents forget the node (its address leaves the allowed list). */
export function efmDisallowNodeCommand(cluster: Cluster, address: string): HostCommand {
  return {
    argv: [efmPaths(efmVersion(cluster)).efm, 'disallow-node', assertClusterName(cluster.name), assertAddress(address)],
    user: 'efm',
    secret: false,
    describe: `efm disallow-node ${cluster.name} ${address}`,
  };
}

/** How long a repointed standby may take to stream from its new upstream. */
export const EFM_FOLLOW_WAIT_S = 90;

/**
 * On a running standby `me`: stream from `upstream` through its own slot
 * `slot` from now on. The slot is made on the upstream first over a
 * replication connection (pg_receivewal --create-slot --if-not-exists, as
 * the replication user with postgres's .pgpass), so the standby finds it;
 * then primary_conninfo names the upstream, and the wait ends once the WAL
 * receiver streams from it. Safe to rerun.
 */
export function efmFollowCommand(version: PostgresVersion, me: string, upstream: string, slot: string, waitS = EFM_FOLLOW_WAIT_S): string {
  const conninfo = replicaConninfo(me, upstream);
  const makeSlot = asPostgres(`${binDir(version)}/pg_receivewal -d ${quote(conninfo)} --create-slot --if-not-exists -S ${quote(slot)} -w`);
  const setConninfo = localPsql(version, 'postgres', `-c ${quote(`ALTER SYSTEM SET primary_conninfo = ${literal(conninfo)}`)}`);
  const apply = Number(version) >= 13 ? `${localPsql(version, 'postgres', `-c ${quote('SELECT pg_reload_conf()')}`)} >/dev/null` : `systemctl restart ${quote(`${POSTGRES_SERVICE}.service`)}`;
  return [`${makeSlot} >/dev/null || exit 1`, `${setConninfo} >/dev/null || exit 1`, `${apply} || exit 1`, waitStreamingFromCommand(version, upstream, upstream, waitS)].join('\n');
}

/**
 * On the primary: `efm disallow-node` for the node's address, then
 * `efm cluster-status-json` polled until it no longer names that address
 * (the agents drop a node that left and is no longer allowed). Both as efm.
 */
export function efmForgetNodeCommand(cluster: Cluster, address: string, waitS: number): string {
  const asEfm = (c: HostCommand) => `runuser -u ${c.user ?? 'efm'} -- ${c.argv.map((a) => quote(a)).join(' ')}`;
  const status: HostCommand = { argv: [efmPaths(efmVersion(cluster)).efm, 'cluster-status-json', assertClusterName(cluster.name)], user: 'efm', secret: false, describe: '' };
  return (
    `cd / && ${asEfm(efmDisallowNodeCommand(cluster, address))} >/dev/null || exit 1\n` +
    `i=0; while :; do\n` +
    `  s=$(${asEfm(status)}) || exit 1\n` +
    `  printf '%s' "$s" | grep -qF ${quote(`"${address}"`)} || exit 0\n` +
    `  i=$((i+1)); [ $i -ge ${waitS} ] && { echo "efm cluster-status-json still lists ${address} after ${waitS} s" >&2; exit 1; }\n` +
    `  sleep 1\n` +
    'done'
  );
}
