/**
 * repmgr's switchover (reference 6.1), as data: `repmgr standby switchover
 * --siblings-follow`, run on the target as postgres (it reaches the other
 * nodes over SSH as postgres), then repmgrd unpaused on every node whatever
 * happened. No pause of m1's own before it (TPA stops repmgrd): repmgr 5
 * pauses every repmgrd itself once its checks pass, right before it stops
 * the primary, and unpauses them when done; a separate pause only added a
 * command (and repmgr's checks) to the time before the promotion.
 *
 * On a cluster paused before (m1 pause), no unpause: repmgr 5.3 leaves a
 * node that was already paused paused, and so does m1.
 */
import type { FmView, ManagerCheck, SwitchoverStep } from '../failoverManager.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { asPostgres } from '../../src/products/postgres/run.js';
import { servicePauseCommand, standbySwitchoverCommand } from '../../src/products/repmgr/commands.js';
import { REPMGR_SERVICE } from '../../src/products/repmgr/layout.js';
import { demotedRepmgrdCommand } from '../../src/products/repmgr/staleRepmgrd.js';

/**
 * The switchover on the target, then (whatever its exit: it may fail after promoting) a restart of
 * repmgrd on each standby cascaded from the target: it keeps streaming from
 * the target, but its repmgrd watches it as a standby (staleRepmgrd.ts) and
 * would stay out of the next election; then repmgrd unpaused everywhere,
 * whatever happened.
 */
export function repmgrSteps(cluster: Cluster, target: string, failoverPaused = false, cascadedFromTarget: readonly string[] = [], demoted?: string): SwitchoverStep[] {
  const v = cluster.postgresVersion;
  const steps: SwitchoverStep[] = [
    { name: `repmgr standby switchover --siblings-follow on ${target}`, host: target, command: asPostgres(standbySwitchoverCommand(v)), timeoutMs: 600_000, promotes: true },
    ...cascadedFromTarget.map((host) => ({
      name: `restart repmgrd on ${host} (it streams from ${target}, the primary now, and watched it as a standby)`,
      host,
      command: `systemctl restart ${REPMGR_SERVICE}.service`,
      timeoutMs: 60_000,
      // Also when the switchover exited non-zero after promoting (a sibling that did not follow): harmless otherwise.
      always: true,
    })),
  ];
  if (!failoverPaused) steps.push({ name: 'unpause repmgrd on every node', host: target, command: asPostgres(servicePauseCommand(v, false)), timeoutMs: 60_000, always: true });
  const old = demoted === undefined ? undefined : cluster.instances.find((i) => i.name === demoted);
  const next = cluster.instances.find((i) => i.name === target);
  if (old && next) {
    // repmgr 5.2 (Debian 11) logs the demoted primary's reconnect seconds after the switchover returns.
    steps.push({ name: `repmgrd on ${old.name} watches ${target} (waited for, else restarted)`, host: old.name, command: demotedRepmgrdCommand(v, old.node, next.node), timeoutMs: 60_000 });
  }
  return steps;
}

/** Each witness registered against the target afterwards (repmgr records its upstream). */
export function witnessChecks(plan: { target: string; witnesses: readonly string[] }, view: FmView): ManagerCheck[] {
  return plan.witnesses.map((w) => {
    const n = view.nodes.find((x) => x.name === w);
    return { check: `witness ${w} follows ${plan.target} (repmgr)`, ok: n?.upstream === plan.target, detail: n ? `upstream in repmgr: ${n.upstream ?? 'none'}` : "not in repmgr's view" };
  });
}
