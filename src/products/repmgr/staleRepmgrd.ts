/**
 * repmgrd on a standby learns what its upstream is when it starts and when it
 * follows a new one. A cascaded standby whose upstream is then promoted keeps
 * watching it as a standby: when that new primary dies, it does not take part
 * in the election, and its siblings, which pick it when it has received the
 * most WAL, wait for it to promote itself; nobody does (seen in
 * `npm run bench:drill`: the second crash-primary in a row was never failed
 * over). Deploy restarts such a repmgrd: one that started before its upstream's
 * last promotion and has not followed or rejoined since.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { localPsql } from '../postgres/run.js';
import { quote } from '../../engine/shell/quote.js';
import { REPMGR_SERVICE } from './layout.js';

/**
 * Events after which a node's repmgrd watches a new upstream as what it is
 * now (a switchover's demoted primary logs repmgrd_standby_reconnect, not
 * node_rejoin).
 */
const FOLLOW_EVENTS = ['standby_follow', 'repmgrd_failover_follow', 'node_rejoin', 'repmgrd_standby_reconnect'];

/**
 * Per node (run in the repmgr database): its last successful promotion and
 * its last successful follow or rejoin, epoch seconds, `node_id|promoted|followed`.
 */
export const REPMGR_NODE_EVENTS_SQL =
  "SELECT node_id, coalesce(floor(extract(epoch FROM max(event_timestamp) FILTER (WHERE event = 'standby_promote' AND successful)))::bigint::text, ''), " +
  `coalesce(floor(extract(epoch FROM max(event_timestamp) FILTER (WHERE event IN (${FOLLOW_EVENTS.map((e) => `'${e}'`).join(', ')}) AND successful)))::bigint::text, '') ` +
  'FROM repmgr.events GROUP BY node_id ORDER BY 1';

export interface NodeEvents {
  promoted?: number;
  followed?: number;
}

/** `node_id|promoted|followed` rows into a map. */
export function parseNodeEvents(rows: readonly string[]): Map<number, NodeEvents> {
  const out = new Map<number, NodeEvents>();
  for (const row of rows) {
    const [id, promoted, followed] = row.trim().split('|');
    if (!id || !/^\d+$/.test(id)) continue;
    const e: NodeEvents = {};
    if (promoted && /^\d+$/.test(promoted)) e.promoted = Number(promoted);
    if (followed && /^\d+$/.test(followed)) e.followed = Number(followed);
    out.set(Number(id), e);
  }
  return out;
}

/** When repmgrd last started (systemd's ActiveEnterTimestamp), epoch seconds; nothing while it does not run. */
export const REPMGRD_STARTED_COMMAND = `t=$(systemctl show -p ActiveEnterTimestamp --value ${REPMGR_SERVICE}.service 2>/dev/null); [ -n "$t" ] && date -d "$t" +%s || true`;

export function parseStartedAt(stdout: string): number | undefined {
  const t = stdout.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/**
 * When `upstream` was last promoted, if `me` has not followed or rejoined
 * since (a standby that followed the new primary re-read it then).
 */
export function unseenPromotion(me: number, upstream: number, events: ReadonlyMap<number, NodeEvents>): number | undefined {
  const promoted = events.get(upstream)?.promoted;
  if (promoted === undefined) return undefined;
  const followed = events.get(me)?.followed;
  return followed !== undefined && followed >= promoted ? undefined : promoted;
}

/** Why this standby's repmgrd must be restarted: it started before that promotion (or in the same second); undefined when not. */
export function staleRepmgrd(startedAt: number | undefined, promotedAt: number, upstreamName: string): string | undefined {
  if (startedAt === undefined || startedAt > promotedAt) return undefined;
  return `it started before ${upstreamName} was promoted and still watches it as a standby, so it would not take part in the next election`;
}

/**
 * Run as root on a switchover's demoted primary: waits (up to `seconds`) until
 * its repmgrd has logged that it watches the new primary (one of
 * FOLLOW_EVENTS after the target's promotion), else restarts it. repmgr 5.3
 * (Debian 12) logs repmgrd_standby_reconnect before the switchover command
 * returns; repmgr 5.2 (Debian 11) about 3 s later, so without this wait a
 * deploy right after the switchover would find that repmgrd stale
 * (staleRepmgrd) and restart it: not a no-op.
 */
export function demotedRepmgrdCommand(version: PostgresVersion, demotedId: number, targetId: number, seconds = 20): string {
  const sql =
    `SELECT count(*) FROM repmgr.events f WHERE f.node_id = ${demotedId} AND f.successful AND f.event IN (${FOLLOW_EVENTS.map((e) => `'${e}'`).join(', ')}) ` +
    `AND f.event_timestamp >= (SELECT max(p.event_timestamp) FROM repmgr.events p WHERE p.node_id = ${targetId} AND p.event = 'standby_promote' AND p.successful)`;
  const check = localPsql(version, 'repmgr', `-c ${quote(sql)}`);
  return (
    `i=0; while [ $i -lt ${seconds * 2} ]; do ` +
    `n=$(${check} 2>/dev/null) && [ "\${n:-0}" -gt 0 ] && exit 0; sleep 0.5; i=$((i+1)); done; ` +
    `echo "repmgrd logged no reconnect to the new primary in ${seconds} s: restarting it" >&2; systemctl restart ${REPMGR_SERVICE}.service`
  );
}
