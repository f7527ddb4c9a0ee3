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

/** Barman, PgBouncer and HAProxy on the hosts config.yml gives those roles, each after the live primary. */
function sharedStages(ctx: DeployContext): Stage[] {
  const byNode = [...ctx.cluster.instances].sort((a, b) => a.node - b.node);
  const primary = effectivePrimary(ctx.cluster, ctx.live);
  const stages: Stage[] = [];
  const add = (role: ConfigRole, make: (ctx: DeployContext) => Role) => {
    const hosts = byNode.filter((i) => hasRole(i, role)).map((i) => i.name);
    if (hosts.length > 0) stages.push({ name: role, hosts, roles: [make(ctx)], dependsOn: [primary] });
  };
  // A Barman host is an instance with the barman role (`backup:` on a data node names its Barman host).
  add('barman', barmanRole);
  add('pgbouncer', pgbouncerRole);
  add('haproxy', haproxyRole);
  return stages;
}

export function deployPlaybook(ctx: DeployContext, manager: FailoverManager, options: StageOptions): Playbook {
  const all = [...ctx.cluster.instances].sort((a, b) => a.node - b.node).map((i) => i.name);
  return {
    name: 'deploy',
    stages: [
      { name: 'common', hosts: all, roles: [commonRole(ctx, manager), ...manager.commonRoles(ctx, options)] },
      ...manager.dataStages(ctx, options),
      ...sharedStages(ctx),
      ...manager.finalStages(ctx, options),
    ],
  };
}
