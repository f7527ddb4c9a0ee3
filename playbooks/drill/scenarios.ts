/**
 * The failures `m1 drill` rehearses, and which host each one strikes on a
 * given cluster. Pure: the live primary comes from a reading of the cluster.
 */
import { UsageError } from '../../src/errors.js';
import { hasRole, isDataNode, type Cluster, type Instance } from '../../src/inventory/cluster.js';
import { managerFor } from '../../roles/managers.js';

export const SCENARIOS = ['crash-primary', 'partition-primary', 'crash-replica', 'crash-witness', 'crash-etcd-member', 'crash-barman'] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** What a scenario does to its host: kill every process at once, or cut it off from the other hosts. */
export type FaultKind = 'crash' | 'partition';

export interface DrillTarget {
  scenario: Scenario;
  kind: FaultKind;
  /** The host struck. */
  host: string;
  /** Whether the host struck is the live primary (a failover is expected). */
  primary: boolean;
}

export function isScenario(text: string): text is Scenario {
  return (SCENARIOS as readonly string[]).includes(text);
}

/** A scenario name from the command line; anything else is a usage error (exit 2). */
export function parseScenario(text: string): Scenario {
  if (!isScenario(text)) throw new UsageError(`unknown scenario ${JSON.stringify(text)}: one of ${SCENARIOS.join(', ')}`);
  return text;
}

/** Hosts that run nothing but the role (an etcd member beside no data node is preferred). */
function alone(i: Instance): boolean {
  return !isDataNode(i);
}

/**
 * The host the scenario strikes on this cluster, or a UsageError (exit 2)
 * saying why it does not apply: crash-witness where the failover manager
 * votes with etcd (or no witness is configured), crash-etcd-member where it
 * votes with a witness, crash-barman without a Barman host, crash-replica
 * without a replica of the primary.
 */
export function drillTarget(cluster: Cluster, scenario: Scenario, livePrimary: string): DrillTarget {
  const manager = managerFor(cluster);
  const notHere = (why: string) => new UsageError(`scenario ${scenario} does not apply to cluster ${cluster.name}: ${why}`);
  const pick = (kind: FaultKind, host: string): DrillTarget => ({ scenario, kind, host, primary: host === livePrimary });
  switch (scenario) {
    case 'crash-primary':
      return pick('crash', livePrimary);
    case 'partition-primary':
      return pick('partition', livePrimary);
    case 'crash-replica': {
      const replicas = cluster.instances.filter((i) => isDataNode(i) && i.name !== livePrimary);
      if (replicas.length === 0) throw notHere('it has no replica');
      // A replica nothing cascades from, so only the one host is lost.
      const leaf = replicas.filter((r) => !cluster.instances.some((i) => i.upstream === r.name));
      return pick('crash', (leaf.at(-1) ?? replicas.at(-1)!).name);
    }
    case 'crash-witness':
    case 'crash-etcd-member': {
      const role = scenario === 'crash-witness' ? 'witness' : 'etcd';
      if (manager.voters !== role) throw notHere(`${manager.title} votes with ${manager.voters === 'etcd' ? 'etcd members' : 'a witness'}, not ${scenario === 'crash-witness' ? 'a witness' : 'etcd members'}`);
      const hosts = cluster.instances.filter((i) => hasRole(i, role) && i.name !== livePrimary);
      if (hosts.length === 0) throw notHere(`no ${role} host is configured`);
      return pick('crash', (hosts.find(alone) ?? hosts[0]!).name);
    }
    case 'crash-barman': {
      const barman = cluster.instances.find((i) => hasRole(i, 'barman'));
      if (!barman) throw notHere('no Barman host is configured');
      return pick('crash', barman.name);
    }
  }
}
