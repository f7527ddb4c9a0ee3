/**
 * The calls provision makes, as data: the planners return them, the executor
 * makes them in order. A resource made earlier in the same run is named by a
 * ref (`vpc:eu-west-1`) that the executor resolves to the id AWS gave it.
 */
import type { ObservedImage } from './observe.js';
import type { IngressRule, InstanceSpec } from './spec.js';

export type Ref = { id: string } | { ref: string };

export type Step =
  | { op: 'createVpc'; region: string; ref: string; name: string; cidr: string }
  /** Created and attached to the VPC. */
  | { op: 'createGateway'; region: string; ref: string; vpc: Ref }
  /** Created with a default route through the gateway. */
  | { op: 'createRouteTable'; region: string; ref: string; vpc: Ref; gateway: Ref }
  | { op: 'addDefaultRoute'; region: string; routeTable: Ref; gateway: Ref }
  | { op: 'createSubnet'; region: string; ref: string; vpc: Ref; cidr: string; az: string; location: string }
  | { op: 'associateRouteTable'; region: string; routeTable: Ref; subnet: Ref; location: string }
  | { op: 'createGroup'; region: string; ref: string; vpc: Ref; name: string }
  | { op: 'authorizeIngress'; region: string; group: Ref; rules: IngressRule[] }
  | { op: 'revokeIngress'; region: string; group: Ref; rules: IngressRule[] }
  | { op: 'importKeyPair'; region: string; name: string; publicKey: string }
  | { op: 'deleteKeyPair'; region: string; name: string }
  | { op: 'runInstance'; region: string; ref: string; instance: InstanceSpec; subnet: Ref; group: Ref; keyName: string; image: ObservedImage }
  | { op: 'startInstance'; region: string; id: string; name: string };

const rule = (r: IngressRule) => `${r.proto} ${r.fromPort === r.toPort ? r.fromPort : `${r.fromPort}-${r.toPort}`} from ${r.cidr}`;

/** One line per step, for provision's `changed` list. */
export function describeStep(s: Step): string {
  switch (s.op) {
    case 'createVpc':
      return `vpc ${s.name} ${s.cidr} created in ${s.region}`;
    case 'createGateway':
      return `internet gateway created in ${s.region}`;
    case 'createRouteTable':
      return `route table created in ${s.region}`;
    case 'addDefaultRoute':
      return `default route added in ${s.region}`;
    case 'createSubnet':
      return `subnet ${s.cidr} (location ${s.location}, ${s.az}) created`;
    case 'associateRouteTable':
      return `subnet of location ${s.location} routed through the internet gateway`;
    case 'createGroup':
      return `security group ${s.name} created in ${s.region}`;
    case 'authorizeIngress':
      return `security group: allowed ${s.rules.map(rule).join(', ')}`;
    case 'revokeIngress':
      return `security group: revoked ${s.rules.map(rule).join(', ')}`;
    case 'importKeyPair':
      return `key pair ${s.name} imported in ${s.region}`;
    case 'deleteKeyPair':
      return `key pair ${s.name} replaced in ${s.region}`;
    case 'runInstance':
      return `instance ${s.instance.name} (${s.instance.type}) created`;
    case 'startInstance':
      return `instance ${s.name} started`;
  }
}

/** What a step acts on, for an error naming it (`instance kaboom (t3.micro) in eu-west-1`). */
export function subjectOf(s: Step): string {
  const where = `in ${s.region}`;
  switch (s.op) {
    case 'createVpc':
      return `vpc ${s.name} ${s.cidr} ${where}`;
    case 'createGateway':
      return `internet gateway ${where}`;
    case 'createRouteTable':
    case 'addDefaultRoute':
      return `route table ${where}`;
    case 'createSubnet':
      return `subnet ${s.cidr} (location ${s.location}, ${s.az})`;
    case 'associateRouteTable':
      return `route table of location ${s.location}`;
    case 'createGroup':
    case 'authorizeIngress':
    case 'revokeIngress':
      return `security group ${where}`;
    case 'importKeyPair':
    case 'deleteKeyPair':
      return `key pair ${s.name} ${where}`;
    case 'runInstance':
      return `instance ${s.instance.name} (${s.instance.type}) ${where}`;
    case 'startInstance':
      return `instance ${s.name} ${where}`;
  }
}
