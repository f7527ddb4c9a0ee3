/**
 * Everything provision must do on AWS, from what config.yml asks and what
 * each region holds: the network, the security group, the key pair, the
 * instances, in that order. Pure: a converged cluster plans no step.
 */
import type { ObservedRegion } from './observe.js';
import { planGroup, sshWarnings } from './securityGroup.js';
import { planInstances } from './instances.js';
import { planKeyPair } from './keyPair.js';
import type { AwsSpec } from './spec.js';
import type { Step } from './steps.js';
import { groupName, keyPairName } from './tags.js';
import { planNetwork } from './vpc.js';

export interface AwsPlan {
  steps: Step[];
  warnings: string[];
  /** Something there is not this cluster's and would have to change: exit 3. */
  refusals: string[];
  /** config.yml names what AWS does not have (an image): exit 2. */
  problems: string[];
}

/** The regions the cluster's locations are in, in location order. */
export const regionsOf = (spec: AwsSpec): string[] => [...new Set(spec.locations.map((l) => l.region))];

export function planAws(spec: AwsSpec, observed: Record<string, ObservedRegion>, publicKey: string): AwsPlan {
  const plan: AwsPlan = { steps: [], warnings: sshWarnings(spec.rules), refusals: [], problems: [] };
  for (const region of regionsOf(spec)) {
    const o = observed[region]!;
    const instances = spec.instances.filter((i) => i.region === region);
    const locations = spec.locations.filter((l) => l.region === region);
    const net = planNetwork(region, spec.vpcs[region]!, locations, instances.some((i) => i.publicIp), o);
    const group = planGroup(region, groupName(spec.cluster), net.vpc, spec.rules, o);
    const key = planKeyPair(region, keyPairName(spec.cluster), publicKey, o);
    const inst = planInstances(region, instances, { subnets: net.subnets, group: group.group, keyName: keyPairName(spec.cluster) }, o);
    plan.steps.push(...net.steps, ...group.steps, ...key.steps, ...inst.steps);
    plan.refusals.push(...net.refusals, ...group.refusals, ...key.refusals);
    plan.warnings.push(...inst.warnings);
    plan.problems.push(...inst.problems);
  }
  return plan;
}
