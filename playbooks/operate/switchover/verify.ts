/**
 * What m1 checks after a switchover, one row each (exit 1 if any fails):
 * the target takes writes; the old primary streams from it; every sibling
 * follows it (cascaded replicas keep their upstream); the manager agrees;
 * every PgBouncer / HAProxy write route reaches it; Barman backs it up. Pure:
 * from a reading of the cluster taken after the switchover.
 */
import type { Cluster } from '../../../src/inventory/cluster.js';
import { managerFor } from '../../../roles/managers.js';
import { barmanServers, barmanSlotName } from '../../../src/products/barman/serverName.js';
import type { Snapshot } from '../status.js';
import { describeRoute } from '../routes.js';
import type { CheckRow } from '../table.js';
import type { SwitchoverPlan } from './preconditions.js';

export interface VerifyInput {
  cluster: Cluster;
  plan: SwitchoverPlan;
  after: Snapshot;
  /** The write on the target: its outcome. */
  write: { ok: boolean; detail: string };
  /** Detached base backups started, by Barman server. */
  backupUnits?: Readonly<Record<string, string>>;
  /** `barman check` as the switchover's Barman half ran it, by server (when the reading did not run it). */
  barmanChecks?: Readonly<Record<string, { ok: boolean; failed: string[] }>>;
}

export function verificationRows(v: VerifyInput): CheckRow[] {
  const { plan, after } = v;
  const s = after.status;
  const t = plan.target;
  const rows: CheckRow[] = [];
  const host = (name: string) => s.hosts.find((h) => h.host === name);
  const streams = (name: string, from: string): CheckRow['detail'] | true => {
    const h = host(name);
    if (!h?.reachable) return `unreachable${h?.error ? ` (${h.error})` : ''}`;
    if (h.live !== 'replica') return `runs as ${h.live ?? 'nothing'}`;
    if (h.upstream !== from) return `streams from ${h.upstream ?? 'nobody'}`;
    if (h.replication !== 'streaming') return `WAL receiver ${h.replication}`;
    return true;
  };
  const row = (check: string, r: string | true, ok: string) => rows.push({ check, ok: r === true, detail: r === true ? ok : r });

  rows.push({ check: `${t} accepts writes`, ok: v.write.ok && s.primary === t, detail: v.write.ok ? (s.primary === t ? v.write.detail : `primaries now: ${s.primaries.join(', ') || 'none'}`) : v.write.detail });
  const lagOf = (name: string) => (host(name)?.lagBytes !== undefined ? `, ${host(name)!.lagBytes} bytes behind` : '');
  row(`${plan.primary} (old primary) streams from ${t}`, streams(plan.primary, t), `streaming${lagOf(plan.primary)}`);
  for (const sib of plan.siblings) row(`${sib} follows ${t}`, streams(sib, t), `streaming${lagOf(sib)}`);
  for (const c of plan.cascaded) row(`${c.host} still streams from ${c.upstream} (cascaded)`, streams(c.host, c.upstream), `streaming${lagOf(c.host)}`);
  rows.push(...managerFor(v.cluster).switchoverChecks(plan, s.fm));
  rows.push({ check: `${s.failoverManager} takes ${t} for the primary`, ok: s.fm.primary === t, detail: s.fm.from ? `asked on ${s.fm.from}: ${s.fm.primary ?? 'no primary'}` : 'no answer' });
  for (const r of s.routes) {
    const what = describeRoute({ id: r.id, kind: r.kind, host: r.host, port: r.port, wants: r.wants });
    if (r.wants === 'primary') rows.push({ check: `${what} reaches ${t}`, ok: r.ok && r.reaches === t && r.reachesPrimary === true, detail: r.ok ? `a client reaches ${r.reaches ?? '?'}` : r.detail });
    else rows.push({ check: `${what} reaches a replica`, ok: r.ok, detail: r.ok ? `a client reaches ${r.reaches ?? '?'}` : r.detail });
  }
  for (const server of barmanServers(v.cluster).filter((x) => x.followsPrimary)) {
    const b = s.barman.find((x) => x.server === server.name);
    const slot = barmanSlotName(server.barmanHost);
    const slotActive = after.probes[t]?.slots.some((x) => x.name === slot && x.active) ?? false;
    const problems: string[] = [];
    if (b?.target !== t) problems.push(`its conf backs up ${b?.target ?? 'nothing'}`);
    if (!slotActive) problems.push(`slot ${slot} on ${t} is not streaming to Barman`);
    const check = v.barmanChecks?.[server.name] ?? b?.check;
    if (!check) problems.push('barman check not run');
    else if (!check.ok) problems.push(`barman check: ${check.failed.join('; ')}`);
    const unit = v.backupUnits?.[server.name];
    rows.push({
      check: `Barman ${server.name} backs up ${t}`,
      ok: problems.length === 0,
      detail: problems.length ? problems.join('; ') : `WAL streams through ${slot}, check OK${unit ? `, base backup started (${unit})` : ''}`,
    });
  }
  return rows;
}
