/**
 * The shell commands of `m1 remove-node`, in order, from the plan
 * preconditions.ts made: downstream replicas follow the new upstream, the
 * node's services are stopped and disabled, the failover manager forgets it
 * on the primary, its slot is dropped on its upstream and the primary. Each
 * is safe to run again (a rerun continues). Pure.
 */
import type { Cluster, PostgresVersion } from '../../../src/inventory/cluster.js';
import { instanceByName } from '../../../src/inventory/cluster.js';
import { quote } from '../../../src/engine/shell/quote.js';
import { localPsql } from '../../../src/products/postgres/run.js';
import { dropInactiveSlotSql, slotCountSql } from '../../../src/products/repmgr/sql.js';
import type { NodeRemoval } from '../../../roles/failoverManager.js';
import type { RemovalPlan } from './preconditions.js';

export interface RemovalStep {
  /** What progress lines and errors call it. */
  name: string;
  host: string;
  command: string;
  timeoutMs: number;
}

/** How long a dropped node's walsender may hold its slot after the node stopped. */
export const SLOT_RELEASE_S = 30;

/** Stops and disables each unit that exists on the host, in order; one that fails to stop fails the step. */
export function stopUnitsCommand(units: readonly string[]): string {
  return (
    `for u in ${units.map((u) => quote(`${u}.service`)).join(' ')}; do\n` +
    `  if systemctl cat "$u" >/dev/null 2>&1; then systemctl disable --now "$u" >/dev/null 2>&1 || { echo "systemctl disable --now $u failed" >&2; exit 1; }; fi\n` +
    'done'
  );
}

/**
 * Drops the slot once nobody streams through it (the walsender of a node
 * just stopped may hold it a moment), waiting up to SLOT_RELEASE_S; exit 0
 * when it is gone (also when it never existed).
 */
export function dropSlotCommand(version: PostgresVersion, slot: string): string {
  const drop = localPsql(version, 'postgres', `-c ${quote(dropInactiveSlotSql(slot))}`);
  const count = localPsql(version, 'postgres', `-c ${quote(slotCountSql(slot))}`);
  return (
    `i=0; while :; do\n` +
    `  ${drop} >/dev/null || exit 1\n` +
    `  n=$(${count}) || exit 1\n` +
    `  [ "$n" = 0 ] && exit 0\n` +
    `  i=$((i+1)); [ $i -ge ${SLOT_RELEASE_S} ] && { echo "slot ${slot} is still in use after ${SLOT_RELEASE_S} s" >&2; exit 1; }\n` +
    `  sleep 1\n` +
    'done'
  );
}

export function removalSteps(cluster: Cluster, removal: NodeRemoval, plan: RemovalPlan): RemovalStep[] {
  const steps: RemovalStep[] = [];
  const upstream = instanceByName(cluster, plan.upstream)!;
  for (const d of plan.downstream) {
    const f = removal.follow(cluster, instanceByName(cluster, d)!, upstream);
    steps.push({ name: `${d} follows ${plan.upstream} instead of ${plan.host}`, host: d, command: f.command, timeoutMs: f.timeoutMs });
  }
  if (plan.reachable) {
    steps.push({ name: `stop and disable ${plan.units.join(', ')} on ${plan.host}`, host: plan.host, command: stopUnitsCommand(plan.units), timeoutMs: 120_000 });
  }
  if (plan.unregister) {
    const u = removal.unregister(cluster, instanceByName(cluster, plan.host)!);
    steps.push({ name: `unregister ${plan.host} (node ${plan.node}) on ${plan.primary}`, host: plan.primary, command: u.command, timeoutMs: u.timeoutMs });
    for (const copy of removal.copies(cluster, instanceByName(cluster, plan.host)!, upstream)) {
      if (!plan.unreachableOthers.includes(copy.host)) steps.push(copy);
    }
  }
  for (const h of plan.slot?.hosts ?? []) {
    steps.push({ name: `drop replication slot ${plan.slot!.name} on ${h}`, host: h, command: dropSlotCommand(cluster.postgresVersion, plan.slot!.name), timeoutMs: (SLOT_RELEASE_S + 30) * 1000 });
  }
  return steps;
}
