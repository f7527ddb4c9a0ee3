/**
 * The network of one region: the VPC ec2_vpc names (used when it exists,
 * created and tagged when not), one subnet per location, and for hosts
 * reached at a public address an internet gateway and the cluster's route
 * table sending 0.0.0.0/0 through it. Pure.
 */
import type { ObservedRegion } from './observe.js';
import type { LocationSpec } from './spec.js';
import type { Ref, Step } from './steps.js';

export interface NetworkPlan {
  steps: Step[];
  vpc: Ref;
  /** By location name. */
  subnets: Record<string, Ref>;
  refusals: string[];
}

export function planNetwork(
  region: string,
  vpcWanted: { name: string; cidr: string },
  locations: LocationSpec[],
  needsInternet: boolean,
  o: ObservedRegion,
): NetworkPlan {
  const steps: Step[] = [];
  const refusals: string[] = [];
  let vpc: Ref;
  if (o.vpc) vpc = { id: o.vpc.id };
  else {
    vpc = { ref: `vpc:${region}` };
    steps.push({ op: 'createVpc', region, ref: `vpc:${region}`, name: vpcWanted.name, cidr: vpcWanted.cidr });
  }
  let routeTable: Ref | undefined;
  if (needsInternet) {
    let gateway: Ref;
    if (o.gateway) gateway = { id: o.gateway.id };
    else {
      gateway = { ref: `igw:${region}` };
      steps.push({ op: 'createGateway', region, ref: `igw:${region}`, vpc });
    }
    if (o.routeTable) {
      routeTable = { id: o.routeTable.id };
      if (!o.routeTable.hasDefaultRoute) steps.push({ op: 'addDefaultRoute', region, routeTable, gateway });
    } else {
      routeTable = { ref: `rt:${region}` };
      steps.push({ op: 'createRouteTable', region, ref: `rt:${region}`, vpc, gateway });
    }
  }
  const subnets: Record<string, Ref> = {};
  for (const l of locations) {
    const found = o.subnets.find((s) => s.cidr === l.subnet);
    let subnet: Ref;
    if (found && found.az !== l.az) {
      refusals.push(`location ${l.name}: subnet ${l.subnet} exists in ${found.az}, not ${l.az} as config.yml says: change az, or the subnet`);
      continue;
    }
    if (found) subnet = { id: found.id };
    else {
      subnet = { ref: `subnet:${l.name}` };
      steps.push({ op: 'createSubnet', region, ref: `subnet:${l.name}`, vpc, cidr: l.subnet, az: l.az, location: l.name });
    }
    subnets[l.name] = subnet;
    // Only subnets of this cluster are routed by its table; another's is left as it is.
    const ours = !found || found.ours;
    const associated = found && o.routeTable?.subnetIds.includes(found.id);
    if (routeTable && ours && !associated) steps.push({ op: 'associateRouteTable', region, routeTable, subnet, location: l.name });
  }
  return { steps, vpc, subnets, refusals };
}
