/**
 * What deprovision removes on AWS: only resources carrying the cluster's
 * tag, in the order AWS lets them go (instances first, the VPC last; the
 * key pair any time). Pure: the plan is data, shown for confirmation and
 * then made as it was shown.
 */
import type { TaggedRegion } from './observe.js';

export type Removal =
  | { op: 'terminateInstances'; region: string; ids: string[]; names: string[] }
  | { op: 'deleteGroup'; region: string; id: string; name: string }
  | { op: 'deleteSubnet'; region: string; id: string; cidr: string }
  | { op: 'deleteRouteTable'; region: string; id: string; associations: string[] }
  | { op: 'deleteGateway'; region: string; id: string; vpcIds: string[] }
  | { op: 'deleteVpc'; region: string; id: string; cidr: string }
  | { op: 'deleteKeyPair'; region: string; name: string };

export function planTeardown(regions: TaggedRegion[]): Removal[] {
  const out: Removal[] = [];
  for (const t of regions) {
    const region = t.region;
    if (t.instances.length) out.push({ op: 'terminateInstances', region, ids: t.instances.map((i) => i.id), names: t.instances.map((i) => i.name) });
    for (const g of t.groups) out.push({ op: 'deleteGroup', region, id: g.id, name: g.name });
    // The route table lets go of its subnets before they go (deleting a subnet drops its association under us).
    for (const r of t.routeTables) out.push({ op: 'deleteRouteTable', region, id: r.id, associations: r.associations });
    for (const s of t.subnets) out.push({ op: 'deleteSubnet', region, id: s.id, cidr: s.cidr });
    for (const g of t.gateways) out.push({ op: 'deleteGateway', region, id: g.id, vpcIds: g.vpcIds });
    for (const v of t.vpcs) out.push({ op: 'deleteVpc', region, id: v.id, cidr: v.cidr });
    for (const k of t.keyPairs) out.push({ op: 'deleteKeyPair', region, name: k });
  }
  return out;
}

/** One line per removal, as the confirmation prompt lists them. */
export function describeRemoval(r: Removal): string[] {
  switch (r.op) {
    case 'terminateInstances':
      return r.names.map((n, k) => `instance ${n} (${r.ids[k]}, ${r.region})`);
    case 'deleteGroup':
      return [`security group ${r.name} (${r.id}, ${r.region})`];
    case 'deleteSubnet':
      return [`subnet ${r.cidr} (${r.id}, ${r.region})`];
    case 'deleteRouteTable':
      return [`route table ${r.id} (${r.region})`];
    case 'deleteGateway':
      return [`internet gateway ${r.id} (${r.region})`];
    case 'deleteVpc':
      return [`vpc ${r.cidr} (${r.id}, ${r.region})`];
    case 'deleteKeyPair':
      return [`key pair ${r.name} (${r.region})`];
  }
}
