/**
 * The cluster's security group, m1-<cluster>, with cluster_rules as written:
 * rules missing are allowed, rules the group has that config.yml no longer
 * lists are revoked (only on the group m1 made). A rule opening SSH to the
 * whole internet, as TPA's configure writes, is a warning. Pure.
 */
import type { ObservedRegion } from './observe.js';
import type { IngressRule } from './spec.js';
import type { Ref, Step } from './steps.js';

const same = (a: IngressRule, b: IngressRule) =>
  a.proto === b.proto && a.cidr === b.cidr && (a.proto === '-1' || (a.fromPort === b.fromPort && a.toPort === b.toPort));

/** Warnings for rules that let anyone on the internet reach SSH. */
export function sshWarnings(rules: IngressRule[]): string[] {
  return rules.flatMap((r, k) => {
    const tcp = r.proto === 'tcp' || r.proto === '6' || r.proto === '-1' || r.proto === 'all';
    const covers22 = r.proto === '-1' || r.proto === 'all' || (r.fromPort <= 22 && r.toPort >= 22);
    const world = r.cidr === '0.0.0.0/0';
    return tcp && covers22 && world
      ? [`cluster_rules[${k}] opens SSH (22/tcp) to 0.0.0.0/0, the whole internet (TPA's default): set cidr_ip to the address m1 runs from (a.b.c.d/32)`]
      : [];
  });
}

/** AWS's name for every protocol is -1; TPA's files may say all. */
export const awsProto = (proto: string) => (proto === 'all' ? '-1' : proto);

export function planGroup(
  region: string,
  name: string,
  vpc: Ref,
  rules: IngressRule[],
  o: ObservedRegion,
): { steps: Step[]; group: Ref; refusals: string[] } {
  const wanted = rules.map((r) => ({ ...r, proto: awsProto(r.proto) }));
  if (!o.group) {
    const group = { ref: `sg:${region}` };
    const steps: Step[] = [{ op: 'createGroup', region, ref: `sg:${region}`, vpc, name }];
    if (wanted.length) steps.push({ op: 'authorizeIngress', region, group, rules: wanted });
    return { steps, group, refusals: [] };
  }
  const group = { id: o.group.id };
  if (!o.group.ours) {
    return { steps: [], group, refusals: [`security group ${name} (${o.group.id}) in ${region} was not made by m1 for this cluster: rename or delete it`] };
  }
  const have = o.group.rules;
  const missing = wanted.filter((w) => !have.some((h) => same(h, w)));
  const extra = have.filter((h) => !wanted.some((w) => same(h, w)));
  const steps: Step[] = [];
  if (missing.length) steps.push({ op: 'authorizeIngress', region, group, rules: missing });
  if (extra.length) steps.push({ op: 'revokeIngress', region, group, rules: extra });
  return { steps, group, refusals: [] };
}
