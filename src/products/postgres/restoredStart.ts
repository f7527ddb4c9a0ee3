/**
 * Starting a data directory `barman recover` just wrote, on a new host, until
 * it has replayed WAL to the target and promoted; then stopping it so that
 * deploy starts it as the new cluster's primary. Pure builders and parsers.
 *
 * The restored directory holds the SOURCE's configuration (conf.d names the
 * source host's certificate files, preloads its manager's library, sizes
 * memory for it): it cannot start as it is, and deploy cannot write the new
 * host's configuration first without also starting it before the target is
 * reached. So this start reads a small configuration of its own
 * (`-c config_file=`, outside the data directory; postgresql.auto.conf, where
 * Barman wrote the target, is still read from the data directory):
 * - listen_addresses '' : nobody connects over the network before the
 *   promotion, the local socket only;
 * - hot_standby off : no read-only phase, nobody reads a half-replayed
 *   state; it also lifts the hot-standby rule that max_connections and
 *   friends be at least the source's. `pg_ctl start -w` returns at the
 *   consistent point (PostgreSQL 15: "consistent recovery state reached",
 *   still replaying), so the command then polls until a connection answers
 *   `pg_is_in_recovery() = f` (connections are refused until the promotion),
 *   and fails with the log's tail as soon as the server is gone (e.g.
 *   "recovery ended before configured recovery target was reached").
 * Then, still running as a primary: the failover manager's database of the
 * source is dropped (repmgr's node records describe the source's nodes;
 * deploy makes it afresh and registers the new ones), the timeline's history
 * file says where recovery stopped, and the server is stopped fast. Last, the
 * postgresql.auto.conf Barman replaced comes back (.origin) and the files of
 * the recovery go.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote, quoteAll } from '../../engine/shell/quote.js';
import { binDir, DATA_DIR, dropDefaultClusterCommand, POSTGRES_PORT, POSTGRES_USER, POSTGRES_GROUP, SOCKET_DIR } from './layout.js';
import { asPostgres } from './run.js';
import { ident } from './sqlQuote.js';

export const RESTORE_CONF = '/opt/postgres/m1-restore.conf';
export const RESTORE_LOG = '/opt/postgres/m1-restore.log';

/** The configuration of the recovery start. */
export function restoreStartConf(): string {
  return [
    '# m1 restore: the start that replays WAL to the target; removed once the server promoted.',
    "listen_addresses = ''",
    `port = ${POSTGRES_PORT}`,
    `unix_socket_directories = '${SOCKET_DIR}'`,
    `hba_file = '${DATA_DIR}/pg_hba.conf'`,
    `ident_file = '${DATA_DIR}/pg_ident.conf'`,
    'hot_standby = off',
    "log_destination = 'stderr'",
    '',
  ].join('\n');
}

/** As root: the configuration written (stdin), then pg_ctl start as postgres, waiting up to `timeoutS`; the log's tail on failure. */
export function restoreStartCommand(version: PostgresVersion, timeoutS: number): string {
  const pgCtl = quoteAll([`${binDir(version)}/pg_ctl`, '-D', DATA_DIR, '-o', `-c config_file=${RESTORE_CONF}`, '-l', RESTORE_LOG, '-w', '-t', String(timeoutS), 'start']);
  return [
    `cat > ${RESTORE_CONF} && chmod 0644 ${RESTORE_CONF} || exit 1`,
    `install -o ${POSTGRES_USER} -g ${POSTGRES_GROUP} -m 0600 /dev/null ${RESTORE_LOG} || exit 1`,
    // Braces: asPostgres is `cd / && runuser ...`, and `!` would negate the cd alone.
    `if ! { ${asPostgres(pgCtl)}; } >/dev/null; then tail -n 15 ${RESTORE_LOG} >&2; exit 1; fi`,
    'i=0',
    `until [ "$(${asPostgres(quoteAll([`${binDir(version)}/psql`, '-XAtq', '-h', SOCKET_DIR, '-p', String(POSTGRES_PORT), '-d', 'postgres', '-c', 'select pg_is_in_recovery()']))} 2>/dev/null)" = f ]; do`,
    `  if ! { ${asPostgres(quoteAll([`${binDir(version)}/pg_ctl`, '-D', DATA_DIR, 'status']))}; } >/dev/null 2>&1; then echo "the server stopped before it promoted:" >&2; tail -n 15 ${RESTORE_LOG} >&2; exit 1; fi`,
    `  i=$((i + 1)); if [ "$i" -ge ${timeoutS * 2} ]; then echo "not promoted after ${timeoutS} s:" >&2; tail -n 15 ${RESTORE_LOG} >&2; exit 1; fi`,
    '  sleep 0.5',
    'done',
  ].join('\n');
}

const SEP = 'm1:restore:';

/**
 * As root, on the promoted server: whether it is out of recovery, the
 * manager's database dropped, the newest history file (name and last line),
 * the server stopped, the recovery's files cleaned up.
 */
export function restoreFinishCommand(version: PostgresVersion, managerDatabase: string | undefined): string {
  const psql = (sql: string) => asPostgres(quoteAll([`${binDir(version)}/psql`, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-h', SOCKET_DIR, '-p', String(POSTGRES_PORT), '-d', 'postgres', '-c', sql]));
  const pgCtl = asPostgres(quoteAll([`${binDir(version)}/pg_ctl`, '-D', DATA_DIR, '-m', 'fast', '-w', '-t', '300', 'stop']));
  const d = quote(DATA_DIR);
  return [
    'set -e',
    `trap 'echo "m1 restore: a step after the promotion failed; the server log:" >&2; tail -n 5 ${RESTORE_LOG} >&2' EXIT`,
    `echo ${SEP}recovery; ${psql('select pg_is_in_recovery()')}`,
    ...(managerDatabase ? [`${psql(`drop database if exists ${ident(managerDatabase)}`)} >/dev/null`] : []),
    `echo ${SEP}history; f=$(ls ${d}/pg_wal/*.history 2>/dev/null | sort | tail -n 1); if [ -n "$f" ]; then basename "$f"; grep . "$f" | tail -n 1; fi`,
    `${pgCtl} >/dev/null`,
    `if [ -f ${d}/postgresql.auto.conf.origin ]; then mv ${d}/postgresql.auto.conf.origin ${d}/postgresql.auto.conf; fi`,
    `rm -f ${d}/postgresql.conf.origin ${RESTORE_CONF}`,
    'trap - EXIT',
    `echo ${SEP}done`,
  ].join('\n');
}

export interface RestoreFinish {
  inRecovery: boolean | undefined;
  /** The timeline the server promoted to. */
  timeline?: number;
  /** Where recovery stopped: the new timeline's switch point. */
  stopLsn?: string;
  /** The history line's reason, e.g. `before 2026-12-07 02:55:00.123456+00` or `no recovery target specified`. */
  reason?: string;
  done: boolean;
}

/** The finish command's output. */
export function parseRestoreFinish(stdout: string): RestoreFinish {
  const part = (name: string): string => {
    const start = stdout.indexOf(`${SEP}${name}`);
    if (start < 0) return '';
    const rest = stdout.slice(start + SEP.length + name.length);
    const next = rest.indexOf(SEP);
    return (next < 0 ? rest : rest.slice(0, next)).trim();
  };
  const rec = part('recovery');
  const out: RestoreFinish = { inRecovery: rec === 't' ? true : rec === 'f' ? false : undefined, done: stdout.includes(`${SEP}done`) };
  const [name = '', line = ''] = part('history').split('\n').map((l) => l.trim());
  const tli = /^([0-9A-F]{8})\.history$/.exec(name);
  if (tli) out.timeline = parseInt(tli[1]!, 16);
  const h = /^(\d+)\s+([0-9A-F]+\/[0-9A-F]+)\s*(.*)$/i.exec(line);
  if (h) {
    out.stopLsn = h[2]!.toUpperCase();
    if (h[3]) out.reason = h[3].trim();
  }
  return out;
}

/**
 * As root, on the new primary before `barman recover`: the package's default
 * cluster dropped (test images ship one, running on the same port), the data
 * directory made (postgres, 0700) and refused when not empty (exit 3:
 * never written over), the source Barman's public key (stdin) authorized for
 * postgres. deploy's common role rewrites authorized_keys with the new
 * cluster's keys only, which takes the source's key away again.
 */
export function restorePrepareCommand(version: PostgresVersion): string {
  const d = quote(DATA_DIR);
  const ssh = '/var/lib/postgresql/.ssh';
  return [
    dropDefaultClusterCommand(version) + ' >/dev/null || exit 1',
    `install -d -o root -g root -m 0755 /opt/postgres && install -d -o ${POSTGRES_USER} -g ${POSTGRES_GROUP} -m 0700 ${d} || exit 1`,
    // The socket directory: /var/run is a tmpfs, and the postgres role's tmpfiles.d entry comes later.
    `install -d -o ${POSTGRES_USER} -g ${POSTGRES_GROUP} -m 2775 ${SOCKET_DIR} || exit 1`,
    `if [ -n "$(ls -A ${d})" ]; then echo "${DATA_DIR} is not empty: m1 restore never writes over a data directory" >&2; exit 3; fi`,
    `install -d -o ${POSTGRES_USER} -g ${POSTGRES_GROUP} -m 0700 ${ssh} || exit 1`,
    'k=$(cat)',
    `grep -qxF "$k" ${ssh}/authorized_keys 2>/dev/null || printf '%s\\n' "$k" >> ${ssh}/authorized_keys`,
    `chown ${POSTGRES_USER}:${POSTGRES_GROUP} ${ssh}/authorized_keys && chmod 0600 ${ssh}/authorized_keys`,
  ].join('\n');
}
