/**
 * The cluster's instances in one region: each config.yml instance that has
 * no live instance tagged with the cluster and its Name is launched; a
 * stopped one is started; one config.yml no longer lists is left as it is
 * (a warning). Pure.
 */
import { amiKey, type ObservedRegion } from './observe.js';
import type { InstanceSpec } from './spec.js';
import type { Ref, Step } from './steps.js';

export function planInstances(
  region: string,
  instances: InstanceSpec[],
  net: { subnets: Record<string, Ref>; group: Ref; keyName: string },
  o: ObservedRegion,
): { steps: Step[]; warnings: string[]; problems: string[] } {
  const steps: Step[] = [];
  const warnings: string[] = [];
  const problems: string[] = [];
  for (const inst of instances) {
    const live = o.instances.filter((x) => x.name === inst.name);
    if (live.length > 1) warnings.push(`instance ${inst.name}: ${live.length} instances carry its name (${live.map((x) => x.id).join(', ')}); using ${live[0]!.id}`);
    const found = live[0];
    if (found) {
      if (found.state === 'stopped' || found.state === 'stopping') steps.push({ op: 'startInstance', region, id: found.id, name: inst.name });
      continue;
    }
    const image = o.images[amiKey(inst.ami)];
    const subnet = net.subnets[inst.location];
    if (!image) {
      const what = inst.ami.id ?? `named ${inst.ami.name}${inst.ami.owner ? ` owned by ${inst.ami.owner}` : ''}`;
      problems.push(`instance ${inst.name}: no machine image ${what} in ${region}: fix ec2_ami`);
      continue;
    }
    if (!subnet) continue; // its location was refused already
    steps.push({ op: 'runInstance', region, ref: `instance:${inst.name}`, instance: inst, subnet, group: net.group, keyName: net.keyName, image });
  }
  const names = new Set(instances.map((i) => i.name));
  for (const x of o.instances) {
    if (!names.has(x.name)) warnings.push(`instance ${x.name} (${x.id}) in ${region} is tagged with this cluster but config.yml does not list it: left as it is (m1 deprovision removes it)`);
  }
  return { steps, warnings, problems };
}
