/**
 * The ONE command that reads a host for status, switchover and test: every
 * answer is a `m1:<key>=<value>` line (values that may hold anything are
 * base64), so one parser reads it whatever the host runs. Read-only: it
 * changes nothing on the host.
 */
import { quote } from '../../../src/engine/index.js';
import { DATA_DIR, POSTGRES_PORT, SOCKET_DIR, binDir } from '../../../src/products/postgres/layout.js';
import { repmgrConfPath } from '../../../src/products/repmgr/layout.js';
import { REPMGR_DB } from '../../../src/products/repmgr/layout.js';
import { DATABASES_INI } from '../../../src/products/pgbouncer/layout.js';
import { BARMAN_HOME, serverConfPath } from '../../../src/products/barman/layout.js';
import { asBarman, barmanCmd } from '../../../src/products/barman/commands.js';
import { targetStatePath } from '../../../roles/barman/role.js';
import type { ProbeSpec } from './spec.js';

/** A SELECT printing one `m1:<key>=` line per row, fields joined by `|` (NULL as empty). */
function rows(key: string, fields: readonly string[], from = ''): string {
  return `SELECT 'm1:${key}=' || concat_ws('|', ${fields.map((f) => `coalesce((${f})::text, '')`).join(', ')})${from ? ` ${from}` : ''}`;
}

/** The node itself: where its data is, primary or not, positions, timeline, identity. */
export const NODE_SQL = rows('pg', [
  "current_setting('data_directory')",
  'pg_is_in_recovery()',
  'CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END',
  'pg_last_wal_receive_lsn()',
  'pg_last_wal_replay_lsn()',
  // A primary's timeline from its WAL file name: pg_control's lags until the first checkpoint after a promotion.
  "CASE WHEN pg_is_in_recovery() THEN (SELECT received_tli FROM pg_stat_wal_receiver) ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END",
  '(SELECT timeline_id FROM pg_control_checkpoint())',
  '(SELECT system_identifier FROM pg_control_system())',
  "current_setting('cluster_name')",
  "substring(current_setting('primary_conninfo', true) from 'host=''?([^ '']+)')",
]);

/** The WAL receiver, when one runs. */
export const RECEIVER_SQL = rows('rcv', ['status', 'sender_host', 'received_tli', 'flushed_lsn', 'slot_name'], 'FROM pg_stat_wal_receiver');

/** Who streams from this node. */
export const REPLICATION_SQL = rows('rep', ['application_name', 'client_addr', 'state', 'sent_lsn', 'replay_lsn', 'sync_state'], 'FROM pg_stat_replication');

/** Replication slots here. */
export const SLOTS_SQL = rows('slot', ['slot_name', 'slot_type', 'active', 'restart_lsn'], 'FROM pg_replication_slots');

/** repmgr's metadata as this node has it, and repmgrd's state. */
export const REPMGR_NODES_SQL = rows('rnode', ['node_id', 'node_name', 'type', 'upstream_node_id', 'active'], 'FROM repmgr.nodes ORDER BY node_id');
export const REPMGRD_SQL = rows('repmgrd', ['repmgr.repmgrd_is_running()', 'repmgr.repmgrd_is_paused()']);

function psql(spec: ProbeSpec, db: string, sqls: readonly string[]): string {
  const args = sqls.map((s) => `-c ${quote(s)}`).join(' ');
  // stderr lines become m1:pgerr= lines: "connection refused" tells more than nothing.
  return `(cd / && runuser -u postgres -- ${binDir(spec.version)}/psql -XAtq -h ${SOCKET_DIR} -p ${POSTGRES_PORT} -d ${db} ${args}) 2>&1 | sed '/^m1:/!s/^/m1:pgerr=/'`;
}

/** A whole command's output as one base64 line, with its exit status: `m1:<key>=<status>:<base64>`. */
function captured(key: string, cmd: string): string {
  return `out=$(${cmd} 2>&1); echo "m1:${key}=$?:$(printf '%s' "$out" | base64 -w0)"`;
}

/** A file as one base64 line when it exists. */
function fileLine(key: string, path: string): string {
  return `[ -f ${quote(path)} ] && echo "m1:${key}=$(base64 -w0 < ${quote(path)})"`;
}

/** Longest `barman check` may take in a probe; 124 (timeout's status) is reported as a failure. */
export const BARMAN_CHECK_TIMEOUT_S = 12;

export function buildProbeCommand(spec: ProbeSpec): string {
  const lines: string[] = ['echo m1:probe=1'];
  if (spec.units.length > 0) lines.push(`echo "m1:svc=$(systemctl is-active ${spec.units.map(quote).join(' ')} 2>/dev/null | paste -sd, -)"`);
  if (spec.postgres) {
    lines.push(
      `if [ -S ${SOCKET_DIR}/.s.PGSQL.${POSTGRES_PORT} ]; then`,
      `  ${psql(spec, 'postgres', [NODE_SQL, RECEIVER_SQL, REPLICATION_SQL, SLOTS_SQL])}`,
      ...(spec.repmgr ? [`  ${psql(spec, REPMGR_DB, [REPMGR_NODES_SQL, REPMGRD_SQL])}`] : []),
      'else echo m1:pgerr=no server socket; fi',
      `[ -f ${DATA_DIR}/PG_VERSION ] && echo m1:pgdata=1`,
    );
  }
  if (spec.repmgr) {
    const show = `${binDir(spec.version)}/repmgr -f ${repmgrConfPath(spec.version)} cluster show --csv`;
    lines.push(`(cd / && runuser -u postgres -- ${show}) 2>/dev/null | sed 's/^/m1:rshow=/'`);
  }
  if (spec.patroniRestPort) {
    const rest = `curl -sS --noproxy '*' --max-time 5 http://127.0.0.1:${spec.patroniRestPort}`;
    // /cluster: the members as the DCS holds them (each member rewrites its own record once a loop_wait);
    // /patroni: this member's own state, current (a demoted leader is "stopped" in the DCS for up to 10 s after it runs again).
    lines.push(captured('patronicluster', `${rest}/cluster`), captured('patroniself', `${rest}/patroni`));
  }
  if (spec.efm) lines.push(captured('efmstatus', `runuser -u efm -- ${quote(spec.efm.bin)} cluster-status-json ${quote(spec.efm.cluster)}`));
  if (spec.pgbouncer) lines.push(fileLine('pgbdb', DATABASES_INI));
  for (const s of spec.barmanServers) {
    lines.push(fileLine(`bconf:${s}`, serverConfPath(s)), fileLine(`bstate:${s}`, targetStatePath(s)));
    // Each backup from its backup.info (what list-backups reads), without starting Barman.
    lines.push(
      `for f in ${quote(`${BARMAN_HOME}/${s}/base`)}/*/backup.info; do [ -f "$f" ] || continue;` +
        ` echo "m1:bbackup:${s}=$(basename "$(dirname "$f")")|$(sed -n 's/^status=//p; ' "$f")|$(sed -n 's/^end_time=//p' "$f")|$(sed -n 's/^timeline=//p' "$f")|$(sed -n 's/^begin_wal=//p' "$f")"; done`,
    );
    // Bounded: with the backed-up host down, its SSH and libpq timeouts add up to half a minute.
    if (spec.barmanCheck) lines.push(captured(`bcheck:${s}`, `timeout ${BARMAN_CHECK_TIMEOUT_S} ${asBarman(barmanCmd('check', s))}`));
  }
  // The last check's status must not fail the whole read.
  lines.push('true');
  return lines.join('\n');
}
