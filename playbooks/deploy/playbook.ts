/**
 * The deploy playbook of an M1 cluster, whatever its failover manager:
 *   1. common: every host at once (/etc/hosts, packages, SSH between service
 *      users), with the failover manager's own first roles (its packages);
 *   2. the failover manager's stages: the data nodes in the order of the
 *      LIVE replication topology, and what the manager needs around them
 *      (repmgr: primary, replicas, cascaded levels, restarts; Patroni: etcd,
 *      primary, replicas, its settings; EFM: as repmgr);
 *   3. Barman, PgBouncer, HAProxy: after the data nodes, following the live
 *      primary (their checks see the restarted servers);
 *   4. the failover manager's last stages (EFM's agents, started once every
 *      server runs).
 * A host whose upstream failed sits the later stages out.
 */
import type { DeployContext } from '../../roles/context.js';
import type { FailoverManager, StageOptions } from '../../roles/failoverManager.js';
import type { Playbook, Role, Stage } from '../../src/engine/index.js';
import { hasRole, type Role as ConfigRole } from '../../src/inventory/cluster.js';
import { effectivePrimary } from '../../src/inventory/liveTopology.js';
import { commonRole } from '../../roles/common/role.js';
import { barmanRole } from '../../roles/barman/role.js';
import { pgbouncerRole } from '../../roles/pgbouncer/role.js';
import { haproxyRole } from '../../roles/haproxy/role.js';

/**
 * Barman, PgBouncer and HAProxy in one stage: none of them needs another's
 * work, only the data nodes' (the primary's), so a host of one role does not
 * wait for the slowest host of another (Barman's first backup runs while the
 * PgBouncers start). A host with two of these roles runs them in this order.
 */
function sharedStages(ctx: DeployContext): Stage[] {
  const byNode = [...ctx.cluster.instances].sort((a, b) => a.node - b.node);
  const primary = effectivePrimary(ctx.cluster, ctx.live);
  const shared: { role: ConfigRole; make: (ctx: DeployContext) => Role }[] = [
    // A Barman host is an instance with the barman role (`backup:` on a data node names its Barman host).
    { role: 'barman', make: barmanRole },
    { role: 'pgbouncer', make: pgbouncerRole },
    { role: 'haproxy', make: haproxyRole },
  ];
  const present = shared.filter((x) => byNode.some((i) => hasRole(i, x.role))).map((x) => ({ ...x, made: x.make(ctx) }));
  if (present.length === 0) return [];
  const rolesOf = new Map(byNode.map((i) => [i.name, present.filter((x) => hasRole(i, x.role)).map((x) => x.made)]));
  const hosts = byNode.filter((i) => rolesOf.get(i.name)!.length > 0).map((i) => i.name);
  return [{ name: present.map((x) => x.role).join(' + '), hosts, roles: (host) => rolesOf.get(host) ?? [], dependsOn: [primary] }];
}

export function deployPlaybook(ctx: DeployContext, manager: FailoverManager, options: StageOptions): Playbook {
  const all = [...ctx.cluster.instances].sort((a, b) => a.node - b.node).map((i) => i.name);
  return {
    name: 'deploy',
    // A converged cluster's later stages then wait for no host (engine.ts, startReadAhead).
    readAhead: true,
    stages: [
      { name: 'common', hosts: all, roles: [commonRole(ctx, manager), ...manager.commonRoles(ctx, options)] },
      ...manager.dataStages(ctx, options),
      ...sharedStages(ctx),
      ...manager.finalStages(ctx, options),
    ],
  };
}
