/**
 * Deploy's rejoin of a former primary: its Postgres is stopped (m1's fence
 * kept it down), its data directory is not a standby's, and another node is
 * the live primary. Run as root on that host:
 *   1. this host's configuration files are put aside: pg_rewind copies the
 *      source's postgresql.conf, pg_hba.conf and conf.d/ over them, and
 *      those name the other host's TLS certificate, so the server repmgr then
 *      starts fails (repmgr's --config-files cannot keep files in conf.d/);
 *   2. `repmgr node rejoin --force-rewind` as postgres (pg_rewind when the
 *      timelines diverged; from PostgreSQL 13 it also finishes the crash
 *      recovery of a server that was killed), writing standby.signal and
 *      primary_conninfo for the live primary, then starting it;
 *   3. when the files differ now, the server (if repmgr got it started) is
 *      stopped and this host's files are put back;
 *   4. a failed rejoin leaves Postgres down, exit 1: repmgr said pg_rewind
 *      failed, or it exited non-zero with the files unchanged (it stopped
 *      before rewinding, or the server it started never attached; a
 *      running standby keeps its standby.signal, so that file alone proves
 *      nothing), or there is no standby.signal. Otherwise Postgres is
 *      started (a no-op when repmgr started it with unchanged files); a
 *      non-zero exit with the files changed is the start repmgr could not
 *      make with the primary's copied files, which m1 makes with this
 *      host's.
 * The repmgr role then re-registers the node as a standby if repmgr could
 * not (its metadata update comes after a successful start).
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { standbyMarker } from './fence.js';
import { DATA_DIR, POSTGRES_SERVICE } from '../postgres/layout.js';
import { asPostgres, remotePsql } from '../postgres/run.js';
import { repmgrDsn } from './conninfo.js';
import { nodeRejoinCommand } from './commands.js';
import { rewindReportFunction } from './rewindReport.js';

/** Where the host's own configuration files wait while pg_rewind runs (root only). */
export const REJOIN_CONF_KEEP = '/opt/postgres/.m1-rejoin-conf';

/** The configuration files pg_rewind would replace, relative to the data directory. */
export const KEPT_CONF = ['postgresql.conf', 'pg_hba.conf', 'conf.d'] as const;

export interface RejoinInput {
  version: PostgresVersion;
  me: string;
  /** The live primary to rejoin under. */
  primary: string;
  /** Its Postgres runs (a standby that left the primary's history): stopped once the primary has answered. */
  running?: boolean;
}

/** The live primary's checkpoint, from this host as postgres (repmgr is a superuser). */
export function checkpointOnPrimary(r: RejoinInput): string {
  return remotePsql(r.version, `${repmgrDsn(r.primary)} connect_timeout=10`, '-c CHECKPOINT');
}

export function rejoinCommand(r: RejoinInput): string {
  const d = quote(DATA_DIR);
  const b = quote(REJOIN_CONF_KEEP);
  const marker = quote(standbyMarker(r.version));
  const files = KEPT_CONF.map((f) => `${d}/${f}`).join(' ');
  return [
    'set -u',
    `${checkpointOnPrimary(r)} || { echo "m1: CHECKPOINT on ${r.primary} failed (pg_rewind needs its control file to show its new timeline)" >&2; exit 1; }`,
    // Only after the primary answered: a failover during the run stops nothing.
    ...(r.running ? [`systemctl stop ${POSTGRES_SERVICE} || { echo "m1: could not stop Postgres on ${r.me}" >&2; exit 1; }`] : []),
    // Before pg_rewind recycles it: what this node wrote that the live primary never saw.
    rewindReportFunction(r),
    'report_rewind',
    `rm -rf ${b} && mkdir -m 0700 ${b} && cp -a ${files} ${b}/ || { echo "m1: could not keep ${r.me}'s configuration files in ${REJOIN_CONF_KEEP}" >&2; exit 1; }`,
    // Its output is kept to tell a failed pg_rewind from the start repmgr could not make with the copied files.
    `out=$( ${asPostgres(nodeRejoinCommand(r.version, r.primary))} 2>&1)`,
    'rc=$?',
    'printf \'%s\\n\' "$out"',
    'same=yes',
    `for f in ${KEPT_CONF.join(' ')}; do diff -r ${b}/"$f" ${d}/"$f" >/dev/null 2>&1 || same=no; done`,
    // Non-zero with the files unchanged: repmgr stopped before it rewound anything (a check failed) or the
    // server it started did not attach; with "pg_rewind execution failed": a half-rewound data directory.
    // Either way Postgres stays down (rerunning deploy or m1 rejoin tries again); this host's files go back.
    'failed=',
    `case "$out" in *'pg_rewind execution failed'*) failed="pg_rewind failed on ${r.me}" ;; esac`,
    `if [ "$rc" -ne 0 ] && [ "$same" = yes ]; then failed="repmgr node rejoin exited $rc without rewinding ${r.me}"; fi`,
    `if [ -n "$failed" ]; then systemctl stop ${POSTGRES_SERVICE} >/dev/null 2>&1; fi`,
    'if [ "$same" = no ]; then',
    // Each file by name: "cp -a keep/. data/" would also give the data directory the keep directory's owner and mode.
    `  systemctl stop ${POSTGRES_SERVICE}`,
    `  rm -rf ${d}/conf.d && cp -a ${KEPT_CONF.map((f) => `${b}/${f}`).join(' ')} ${d}/ || { echo "m1: could not put ${r.me}'s configuration files back from ${REJOIN_CONF_KEEP}" >&2; exit 1; }`,
    `  echo "m1: ${r.me}'s configuration files put back (pg_rewind had copied ${r.primary}'s)"`,
    'fi',
    `rm -rf ${b}`,
    // An error names repmgr's own reasons: a failed command's message is often all a user sees of it.
    `why=$(printf '%s\\n' "$out" | grep -E '^(ERROR|DETAIL|HINT)|pg_rewind: ' | tail -n 6 | tr '\\n' ' ' | sed 's/ *$//')`,
    `if [ -n "$failed" ]; then echo "m1: $failed: \${why:-no reason given} (its whole output above); Postgres stays down on ${r.me}, nothing else changed; rerun to try again" >&2; exit 1; fi`,
    `if [ ! -f ${marker} ]; then echo "m1: repmgr node rejoin (exit $rc) did not make ${r.me} a standby of ${r.primary}: \${why:-no reason given} (its whole output above)" >&2; exit 1; fi`,
    `systemctl start ${POSTGRES_SERVICE} || { echo "m1: ${r.me} rejoined ${r.primary} but its Postgres does not start; see journalctl -u ${POSTGRES_SERVICE}" >&2; exit 1; }`,
    `echo "m1: ${r.me} rejoined as a standby of ${r.primary}"`,
  ].join('\n');
}
