/**
 * The runtime fence on a repmgr data node (src/products/repmgr/runtimeFence.ts):
 * installed and running where the cluster has three voters or more and
 * `repmgr_fence` is on; stopped and removed otherwise.
 */
import { clusterVar } from '../../src/config/vars.js';
import { command, file, restart, service, type FactNeed, type HostContext, type Operation } from '../../src/engine/index.js';
import { hasRole, type Cluster, type Instance } from '../../src/inventory/cluster.js';
import type { DeployContext } from '../context.js';
import { otherDataNodes, repmgrDataNode } from './postgres.js';
import {
  FENCE_SERVICE,
  FENCE_UNIT_PATH,
  PLANNED_OUT_S,
  RUNTIME_FENCE_PATH,
  fenceServiceUnit,
  plannedOutCommand,
  runtimeFenceScript,
  votersOf,
  type RuntimeFenceInput,
} from '../../src/products/repmgr/runtimeFence.js';

/** What the fence of `i` needs to know, or why it has none. */
export function runtimeFenceFor(cluster: Cluster, i: Instance): RuntimeFenceInput | { none: string } {
  if (!repmgrDataNode(cluster, i)) return { none: 'not a repmgr data node' };
  if (!clusterVar(cluster, 'repmgr_fence')) return { none: 'repmgr_fence is off' };
  const f: RuntimeFenceInput = {
    version: cluster.postgresVersion,
    me: i.name,
    dataNodes: otherDataNodes(cluster, i),
    witnesses: cluster.instances.filter((p) => hasRole(p, 'witness')).sort((a, b) => a.node - b.node).map((p) => p.name),
    after: clusterVar(cluster, 'repmgr_fence_after'),
    pgbouncer: hasRole(i, 'pgbouncer'),
    synchronous: clusterVar(cluster, 'synchronous_replication'),
  };
  if (votersOf(f) < 3) return { none: `${votersOf(f)} voters: losing one would fence the primary (add a witness)` };
  return f;
}

/** What runtimeFenceOps reads on the host, for a role to read it together with the rest. */
export function runtimeFenceNeeds(): FactNeed[] {
  return [
    { kind: 'stat', path: RUNTIME_FENCE_PATH },
    { kind: 'stat', path: FENCE_UNIT_PATH },
    { kind: 'service', unit: FENCE_SERVICE },
  ];
}

export async function* runtimeFenceOps(cluster: Cluster, i: Instance, h: HostContext): AsyncGenerator<Operation | Operation[]> {
  const f = runtimeFenceFor(cluster, i);
  if ('none' in f) {
    if ((await h.facts.stat(FENCE_UNIT_PATH)) === null) return;
    yield command({ name: `no runtime fence on ${i.name} (${f.none})`, cmd: `systemctl disable --now ${FENCE_SERVICE} && rm -f ${FENCE_UNIT_PATH} ${RUNTIME_FENCE_PATH} && systemctl daemon-reload` });
    return;
  }
  yield [
    file({ path: RUNTIME_FENCE_PATH, content: runtimeFenceScript(f), owner: 'root', group: 'root', mode: '0755', notify: restart(FENCE_SERVICE) }),
    file({ path: FENCE_UNIT_PATH, content: fenceServiceUnit(), owner: 'root', group: 'root', mode: '0644', notify: restart(FENCE_SERVICE) }),
  ];
  yield service({ service: FENCE_SERVICE, enabled: true, state: 'started' });
}

/**
 * On the live primary, before the replicas stage stops the data nodes this
 * deploy rewinds: its fence does not count them among the voters while they
 * are silent, so the planned stop never fences it (its writes, and deploy's
 * own registrations and backup, go on). Undefined when nobody is rewound.
 */
export function plannedOutOp(ctx: DeployContext, i: Instance): Operation | undefined {
  if (ctx.live.primary !== i.name || 'none' in runtimeFenceFor(ctx.cluster, i)) return undefined;
  const nodes = ctx.cluster.instances.filter((x) => x.name !== i.name && ctx.hosts[x.name]?.rejoin !== undefined).map((x) => x.name);
  if (nodes.length === 0) return undefined;
  return command({
    name: `fence of ${i.name}: ${nodes.join(', ')} (rewound by this deploy) not counted among its voters while silent, for at most ${PLANNED_OUT_S / 60} min`,
    cmd: plannedOutCommand(nodes),
  });
}
