/**
 * The runtime fence of a repmgr data node (m1-fence.service, as root): at
 * most one node takes writes, even while the network is cut.
 *
 * repmgrd promotes a standby about 14-20 s after it lost its primary
 * (repmgrConf.ts), and nothing in repmgr stops the old primary, which goes on
 * taking writes wherever clients still reach it. So every second, while this
 * node runs as primary, the fence asks the other voters (the cluster's other
 * data nodes and its witness) for their recovery state and timeline, each
 * bounded by connect_timeout and `timeout`. Seeing fewer than a majority of
 * the voters (itself counted) for `after` seconds, it fences the node, well
 * before any standby can be promoted:
 *   - a marker file says when and why (the start guard, fence.ts, and
 *     `m1 status` read it);
 *   - Postgres refuses writes: `default_transaction_read_only` through
 *     ALTER SYSTEM (it survives a restart) and a reload; every client session
 *     is ended, so no transaction in progress commits;
 *   - its PgBouncer is stopped: it would send clients to a server that can
 *     no longer be the primary.
 * It lifts the fence by itself when a majority answers again and no other
 * data node runs as primary (a network blip shorter than repmgr's failover
 * leaves the cluster its writer). When another data node runs as primary on
 * a newer timeline (it was promoted), the fence stops Postgres here, fenced
 * or not: `m1 deploy` rejoins the node as its standby, and the start guard
 * keeps it down until then. A node that runs as a standby again (rejoined)
 * has its fence setting and marker removed, so a later promotion of it
 * takes writes.
 *
 * With fewer than three voters there is no majority to lose without losing
 * the writer (a crashed standby would fence the primary), so the role
 * installs no runtime fence then; add a witness.
 */
import { CURRENT_TIMELINE_SQL } from '../postgres/walTimeline.js';
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { DATA_DIR, POSTGRES_HOME, POSTGRES_SERVICE, binDir } from '../postgres/layout.js';
import { POSTGRES_PGPASS } from '../postgres/pgpass.js';
import { PGBOUNCER_SERVICE } from '../pgbouncer/layout.js';
import { notifyFromShell } from '../notify/notify.js';
import { repmgrDsn } from './conninfo.js';

export const RUNTIME_FENCE_PATH = '/usr/local/sbin/m1-fence';
export const FENCE_SERVICE = 'm1-fence';
export const FENCE_UNIT_PATH = `/etc/systemd/system/${FENCE_SERVICE}.service`;
/** Present while the node is fenced: when and why, and whether PgBouncer was stopped. Outside the data directory, so no clone copies it. */
export const FENCED_MARKER = `${POSTGRES_HOME}/m1-fenced`;
/**
 * Present once this node, as primary, has seen a majority: only then can it
 * be cut off from one. A primary whose cluster is still being built (deploy
 * clones the standbys after it starts) never fences. Kept across restarts, so
 * a primary restarted while cut off still fences.
 */
export const FENCE_ARMED_MARKER = `${POSTGRES_HOME}/m1-fence-armed`;
/** Where the loop keeps the time it last saw a majority (tmpfs: a reboot starts afresh). */
export const FENCE_STATE_DIR = '/run/m1-fence';
/**
 * Voters stopped on purpose (deploy rewinding them), one `<name> <until>`
 * line each (seconds since the epoch): while one of them does not answer it
 * is not counted among the voters, so a planned stop never fences the primary.
 * One that answers counts as any voter.
 */
export const FENCE_PLANNED_OUT = `${FENCE_STATE_DIR}/planned-out`;
/** How long deploy's planned-out list holds at most: a rewind that takes longer leaves the fence counting as usual. */
export const PLANNED_OUT_S = 3600;

/** Writes the planned-out list on the primary: `nodes` not counted among its voters while they do not answer, for `seconds`. */
export function plannedOutCommand(nodes: readonly string[], seconds = PLANNED_OUT_S): string {
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new Error(`planned-out: not a number of seconds: ${seconds}`);
  if (nodes.length === 0) throw new Error('planned-out: no node named');
  const lines = nodes.map((n) => `${quote(n)} "$hold"`).join(' ');
  return `mkdir -p ${quote(FENCE_STATE_DIR)} && hold=$(( $(date +%s) + ${seconds} )) && printf '%s %s\\n' ${lines} > ${quote(FENCE_PLANNED_OUT)}`;
}

/**
 * Seconds a voter gets to connect, and at most to answer. 3 s, not 2: at
 * load average 12 a check (psql, TLS, SCRAM, a backend on the peer) took over
 * 2 s and a primary with nothing wrong on its network fenced itself. A cut-off
 * primary still fences seconds before any standby can be promoted.
 */
export const FENCE_VOTER_CONNECT_S = 2;
export const FENCE_VOTER_TIMEOUT_S = 3;

export interface RuntimeFenceInput {
  version: PostgresVersion;
  /** This host. */
  me: string;
  /** The other data nodes (a primary among them means this node is not the writer). */
  dataNodes: readonly string[];
  /** The witnesses: they vote, and always run out of recovery, so never count as a primary. */
  witnesses: readonly string[];
  /** Seconds without a majority before the fence. */
  after: number;
  /** Whether a PgBouncer runs on this host. */
  pgbouncer: boolean;
  /** synchronous_replication: on a primary the fence keeps synchronous_standby_names (unset: off). */
  synchronous?: 'off' | 'on' | 'strict';
}

/** What a primary's synchronous_standby_names is with synchronous replication: any one of the other data nodes (their application_name). */
export function wantedSynchronousNames(f: RuntimeFenceInput): string {
  return `ANY 1 (${f.dataNodes.map((n) => `"${n}"`).join(',')})`;
}

/** The question the fence asks, locally and of its peers; with synchronous replication three more columns, read locally only. */
export function nodeStateSql(f: RuntimeFenceInput): string {
  if ((f.synchronous ?? 'off') === 'off') return NODE_STATE_SQL;
  const names = f.dataNodes.map((n) => `'${n}'`).join(', ');
  return (
    NODE_STATE_SQL +
    ", current_setting('synchronous_standby_names') <> ''" +
    `, current_setting('synchronous_standby_names') = '${wantedSynchronousNames(f)}'` +
    `, (SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' AND application_name IN (${names || "''"}))`
  );
}

/** Voters: this node, the other data nodes and the witnesses. */
export function votersOf(f: RuntimeFenceInput): number {
  return 1 + f.dataNodes.length + f.witnesses.length;
}

export function majorityOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

/** Recovery state, timeline (0 on a standby) and default_transaction_read_only, one line: `f 2 off`. */
export const NODE_STATE_SQL =
  `SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN 0 ELSE ${CURRENT_TIMELINE_SQL} END, current_setting('default_transaction_read_only')`;

export function runtimeFenceScript(f: RuntimeFenceInput): string {
  const voters = votersOf(f);
  const psql = `${binDir(f.version)}/psql`;
  const controldata = `${binDir(f.version)}/pg_controldata`;
  const peer = `${repmgrDsn('$1')} connect_timeout=${FENCE_VOTER_CONNECT_S}`;
  return `#!/bin/sh
# Written by m1: the runtime fence of ${f.me} (${FENCE_SERVICE}.service, as root).
# While ${f.me} runs as primary, it asks the other voters every second; seeing
# fewer than ${majorityOf(voters)} of the ${voters} voters (itself counted) for ${f.after} s, it fences:
# Postgres refuses writes and PgBouncer stops. See roles/repmgr/README.md.
set -u
ME=${quote(f.me)}
PSQL=${quote(psql)}
CONTROLDATA=${quote(controldata)}
DATA=${quote(DATA_DIR)}
MARKER=${quote(FENCED_MARKER)}
ARMED=${quote(FENCE_ARMED_MARKER)}
STATE=${quote(FENCE_STATE_DIR)}
PLANNED_OUT=${quote(FENCE_PLANNED_OUT)}
AFTER=${f.after}
VOTERS=${voters}
PEERS=${quote([...f.dataNodes, ...f.witnesses].join(' '))}
DATA_NODES=${quote(f.dataNodes.join(' '))}
PGBOUNCER=${f.pgbouncer ? 'yes' : 'no'}
Q=${quote(nodeStateSql(f))}
SYNC=${f.synchronous ?? 'off'}

say() { echo "m1-fence: $*"; }
now() { date +%s; }
local_sql() { timeout 5 runuser -u postgres -- "$PSQL" -XAtqw -F ' ' -d postgres -c "$1" 2>/dev/null; }
# As root, not through runuser: a peer is reached over TLS with a password, and a PAM session for each costs time the check may not have.
peer_sql() { timeout ${FENCE_VOTER_TIMEOUT_S} env PGPASSFILE=${quote(POSTGRES_PGPASS)} "$PSQL" -XAtqw -F ' ' -d "${peer}" -c "$2" 2>/dev/null; }

fence() {
  printf 'fenced at %s: %s\\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$1" > "$MARKER"
  local_sql 'ALTER SYSTEM SET default_transaction_read_only = on' >/dev/null
  local_sql 'SELECT pg_reload_conf()' >/dev/null
  local_sql "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" >/dev/null
  stopped=''
  if [ "$PGBOUNCER" = yes ] && systemctl is-active --quiet ${PGBOUNCER_SERVICE}; then
    systemctl stop ${PGBOUNCER_SERVICE} && echo 'pgbouncer stopped' >> "$MARKER" && stopped=', PgBouncer stopped'
  fi
  say "fenced $ME: $1; Postgres refuses writes$stopped"
  ${notifyFromShell('fence', '"$ME"')}
}

lift() {
  local_sql 'ALTER SYSTEM RESET default_transaction_read_only' >/dev/null && local_sql 'SELECT pg_reload_conf()' >/dev/null || return 1
  if grep -q '^pgbouncer stopped' "$MARKER" 2>/dev/null; then systemctl start ${PGBOUNCER_SERVICE} || say "could not start PgBouncer on $ME"; fi
  rm -f "$MARKER"
  ${notifyFromShell('fence_lifted', '"$ME"')}
}

# synchronous_replication on or strict: a primary's commits wait for one streaming standby;
# with on, it runs alone once none has streamed for $AFTER s while a majority answers.
keep_sync() {
  [ "$SYNC" = off ] && return 0
  if [ "$streaming" -gt 0 ]; then
    echo "$t" > "$STATE/last-standby"
    if [ "$sync_wanted" != t ]; then
      local_sql ${quote(`ALTER SYSTEM SET synchronous_standby_names = '${wantedSynchronousNames(f)}'`)} >/dev/null && local_sql 'SELECT pg_reload_conf()' >/dev/null &&
        say "commits on $ME wait for one standby now (synchronous_replication: $SYNC)"
    fi
  elif [ "$SYNC" = on ] && [ "$sync_set" = t ]; then
    last_standby=$(cat "$STATE/last-standby" 2>/dev/null || echo "$t")
    if [ $((t - last_standby)) -ge "$AFTER" ]; then
      local_sql 'ALTER SYSTEM RESET synchronous_standby_names' >/dev/null && local_sql 'SELECT pg_reload_conf()' >/dev/null &&
        say "$ME runs alone: no standby has streamed for $((t - last_standby)) s; its commits wait for none (synchronous_replication: on)"
    fi
  fi
  return 0
}

# A standby with nothing of the fence's on it, the usual case: pg_control says it is in recovery, so
# no query is needed (the query costs a login every second on every standby). A running server's
# pg_control tells the truth where standby.signal may not: a primary ignores one written after it started.
quiet_standby() {
  [ ! -f "$MARKER" ] || return 1
  ! grep -qsE '^(default_transaction_read_only|synchronous_standby_names)[ =]' "$DATA/postgresql.auto.conf" || return 1
  case "$("$CONTROLDATA" -D "$DATA" 2>/dev/null)" in *'cluster state:'*'in archive recovery'*) return 0 ;; esac
  return 1
}

step() {
  t=$(now)
  if quiet_standby; then
    echo "$t" > "$STATE/last-majority"
    return 0
  fi
  set -- $(local_sql "$Q")
  if [ $# -lt 3 ]; then
    # Postgres down or not answering: nothing takes writes here; a restart counts afresh.
    echo "$t" > "$STATE/last-majority"
    return 0
  fi
  tl=$2
  sync_set=\${4:-f} sync_wanted=\${5:-f} streaming=\${6:-0}
  if [ "$1" = t ]; then
    # A standby (a former primary rejoined): its fence has done its work; a later promotion must take writes.
    if [ -f "$MARKER" ] || [ "$3" = on ]; then lift && say "$ME runs as a standby now: fence lifted"; fi
    # pg_rewind copies the primary's settings; a standby waits for nobody, and a promotion starts afresh.
    if [ "$sync_set" = t ]; then local_sql 'ALTER SYSTEM RESET synchronous_standby_names' >/dev/null && local_sql 'SELECT pg_reload_conf()' >/dev/null; fi
    echo "$t" > "$STATE/last-majority"
    return 0
  fi
  answers=$(for p in $PEERS; do (r=$(peer_sql "$p" "$Q") && [ -n "$r" ] && echo "$p $r") & done; wait)
  # The time after the answers: a voter that did not answer took up to ${FENCE_VOTER_TIMEOUT_S} s of it.
  t=$(now)
  seen=$(( $(printf '%s\\n' "$answers" | grep -c .) + 1 ))
  # Voters stopped on purpose (deploy rewinds them) and silent: out of the count until they answer.
  out=''
  for p in $PEERS; do
    printf '%s\\n' "$answers" | awk -v n="$p" '$1 == n { f = 1 } END { exit !f }' && continue
    awk -v n="$p" -v t="$t" '$1 == n && $2 > t { f = 1 } END { exit !f }' "$PLANNED_OUT" 2>/dev/null && out="$out $p"
  done
  voters=$((VOTERS - $(echo $out | wc -w)))
  majority=$((voters / 2 + 1))
  newer=''
  others=''
  for d in $DATA_NODES; do
    set -- $(printf '%s\\n' "$answers" | awk -v n="$d" '$1 == n')
    [ $# -ge 4 ] && [ "$2" = f ] || continue
    others="$others $d"
    [ "$3" -gt "$tl" ] && newer="$newer $d"
  done
  if [ -n "$newer" ]; then
    [ -f "$MARKER" ] || fence "$newer runs as primary on a newer timeline"
    # Its PgBouncer points here: once rejoined, lifting the fence must not start it on that file; deploy writes the new primary's and starts it.
    sed -i 's/^pgbouncer stopped$/pgbouncer left stopped: deploy starts it for the new primary/' "$MARKER"
    say "stopping Postgres on $ME:$newer runs as primary on a newer timeline; m1 deploy rejoins $ME as its standby"
    systemctl stop ${POSTGRES_SERVICE}
    ${notifyFromShell('fence_stop', '"$ME"')}
    return 0
  fi
  if [ "$seen" -ge "$majority" ]; then
    rm -f "$STATE/cut-off"
    echo "$t" > "$STATE/last-majority"
    [ -f "$ARMED" ] || { touch "$ARMED" && say "armed on $ME: $seen of $voters voters answer"; }
    if [ -f "$MARKER" ]; then
      if [ -n "$others" ]; then
        say "$ME stays fenced:$others also runs as primary"
      else
        lift && say "fence of $ME lifted: $seen of $voters voters answer and no other data node runs as primary"
      fi
    else
      keep_sync
    fi
    return 0
  fi
  # Never saw a majority: a cluster still being built, not one cut off.
  [ -f "$ARMED" ] || return 0
  touch "$STATE/cut-off"
  last=$(cat "$STATE/last-majority" 2>/dev/null || echo "$t")
  if [ ! -f "$MARKER" ] && [ $((t - last)) -ge "$AFTER" ]; then
    fence "saw $seen of $voters voters (a majority is $majority) for $((t - last)) s\${out:+;$out stopped on purpose, not counted}"
  fi
  return 0
}

mkdir -p "$STATE"
[ -f "$STATE/last-majority" ] || now > "$STATE/last-majority"
[ -f "$STATE/last-standby" ] || now > "$STATE/last-standby"
if [ "\${1:-}" = once ]; then step; exit 0; fi
while :; do
  step
  # Cut off: ask again sooner, the fence must act well before repmgr's failover.
  if [ -f "$STATE/cut-off" ]; then sleep 0.3; else sleep 1; fi
done
`;
}

export function fenceServiceUnit(): string {
  return `# Written by m1: the runtime fence of this node's Postgres (${RUNTIME_FENCE_PATH}).
[Unit]
Description=m1 runtime fence: a primary that sees no majority of the voters stops taking writes
After=${POSTGRES_SERVICE}.service network-online.target

[Service]
Type=simple
ExecStart=${RUNTIME_FENCE_PATH}
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
`;
}
