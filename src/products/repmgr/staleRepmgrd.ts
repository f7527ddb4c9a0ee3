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
