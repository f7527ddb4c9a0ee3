/**
 * repmgrd on a standby learns what its upstream is when it starts and when it
 * follows a new one. A cascaded standby whose upstream is then promoted keeps
 * watching it as a standby: when that new primary dies, it does not take part
 * in the election, and its siblings, which pick it when it has received the
 * most WAL, wait for it to promote itself; nobody does (seen in
 * `npm run bench:drill`: the second crash-primary in a row was never failed
 * over). Deploy restarts such a repmgrd: one that started before its upstream's
 * last promotion.
 */
import { REPMGR_SERVICE } from './layout.js';

/** Each node's last successful promotion (repmgr.events), epoch seconds; run in the repmgr database. */
export const REPMGR_PROMOTIONS_SQL =
  "SELECT node_id, floor(extract(epoch FROM max(event_timestamp)))::bigint FROM repmgr.events WHERE event = 'standby_promote' AND successful GROUP BY node_id ORDER BY 1";

/** `node_id|epoch` rows into a map. */
export function parsePromotions(rows: readonly string[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const row of rows) {
    const [id, at] = row.trim().split('|');
    if (id && at && /^\d+$/.test(id) && /^\d+$/.test(at)) out.set(Number(id), Number(at));
  }
  return out;
}

/** When repmgrd last started (systemd's ActiveEnterTimestamp), epoch seconds; nothing while it does not run. */
export const REPMGRD_STARTED_COMMAND = `t=$(systemctl show -p ActiveEnterTimestamp --value ${REPMGR_SERVICE}.service 2>/dev/null); [ -n "$t" ] && date -d "$t" +%s || true`;

export function parseStartedAt(stdout: string): number | undefined {
  const t = stdout.trim();
  return /^\d+$/.test(t) ? Number(t) : undefined;
}

/** Why this standby's repmgrd must be restarted, or undefined when it knows its upstream as it is. */
export function staleRepmgrd(startedAt: number | undefined, upstream: { nodeId: number; name: string }, promotions: ReadonlyMap<number, number>): string | undefined {
  const promoted = promotions.get(upstream.nodeId);
  if (startedAt === undefined || promoted === undefined || startedAt > promoted) return undefined;
  return `it started before ${upstream.name} was promoted and still watches it as a standby, so it would not take part in the next election`;
}
