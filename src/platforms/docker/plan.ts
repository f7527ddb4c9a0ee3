/**
 * Decides, from what the engine holds, what provision must do for a cluster,
 * and what it must refuse to touch. Pure: the caller observes and acts.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import type { ConfigProblem } from '../../errors.js';
import { ipToNumber } from '../../inventory/network.js';
import { contains, defaultGateway, overlaps, parseCidr } from './cidr.js';
import { dockerSettingsOf } from '../../config/platformKeys.js';
import { imageOf, networkNameOf, settingsDigest } from './containerSpec.js';
import { chooseImage, type M1Repository } from './imageName.js';
import { describeOwner, LABEL_SETTINGS, ownership, type Owner } from './labels.js';

export interface ObservedContainer {
  id: string;
  name: string;
  /** running, exited, created, paused, restarting, dead. */
  state: string;
  image: string;
  labels: Record<string, string>;
  /** Address on each network it is attached to. */
  addresses: Record<string, string>;
}

export interface ObservedNetwork {
  id: string;
  name: string;
  labels: Record<string, string>;
  subnets: string[];
}

export type ContainerAction = 'create' | 'start' | 'unpause' | 'keep';

export interface ContainerStep {
  instance: Instance;
  image: string;
  action: ContainerAction;
  /** Existing container id (every action but create). */
  id?: string;
}

export interface DockerPlan {
  /** driverOptions: given to Docker when the network is created (as TPA, a later change has no effect). */
  network: { name: string; subnet: string; driverOptions: Record<string, string>; action: 'create' | 'keep'; id?: string };
  containers: ContainerStep[];
  /** Containers of this cluster that config.yml no longer lists: left as they are. */
  strays: ObservedContainer[];
  warnings: string[];
  /** One line per TPA image name m1 runs its own image for (said once per run). */
  imageNotes: string[];
}

export interface PlanOptions {
  /** Where TPA's Debian image names map to (default m1/debian). */
  debianRepository?: M1Repository;
}

export type PlanOutcome =
  | { ok: true; plan: DockerPlan }
  | { ok: false; problems: ConfigProblem[]; refusals: string[] };

const CONFIG = 'config.yml';
const DEFAULT_DIGEST = settingsDigest(dockerSettingsOf({ instanceDefaults: {}, clusterTags: {} }, { name: '', extra: {} }));

/** Config problems that make the docker platform impossible (exit 2). */
function configProblems(cluster: Cluster): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const net = cluster.dockerNetwork;
  if (!net) {
    return [{ file: CONFIG, path: 'docker_networks', message: 'missing: the docker platform needs the cluster network and its subnet' }];
  }
  const subnet = parseCidr(net.subnet);
  if (!subnet) {
    return [{ file: CONFIG, path: 'docker_networks[0].ipam_config[0].subnet', message: `"${net.subnet}" is not an IPv4 subnet (a.b.c.d/n)` }];
  }
  const seen = new Map<string, string>();
  cluster.instances.forEach((inst, i) => {
    if (!inst.ipAddress) return;
    const ip = ipToNumber(inst.ipAddress.trim());
    const path = `instances[${i}].ip_address`;
    if (ip === undefined) problems.push({ file: CONFIG, path, message: `"${inst.ipAddress}" is not an IPv4 address` });
    else if (!contains(subnet, ip) || ip === subnet.first || ip === subnet.last)
      problems.push({ file: CONFIG, path, message: `${inst.ipAddress} (${inst.name}) is not a host address of subnet ${net.subnet}` });
    else if (ip === defaultGateway(subnet))
      problems.push({ file: CONFIG, path, message: `${inst.ipAddress} (${inst.name}) is the network's gateway; use another address of ${net.subnet}` });
    const other = seen.get(inst.ipAddress);
    if (other) problems.push({ file: CONFIG, path, message: `${inst.ipAddress} is both ${other}'s and ${inst.name}'s` });
    seen.set(inst.ipAddress, inst.name);
  });
  return problems;
}

/**
 * The image each instance runs (TPA's Debian names mapped to m1's image), the
 * notes saying so, and the names refused: at instance_defaults.image when the
 * name comes from there, else at the instance's own image.
 */
function resolveImages(cluster: Cluster, repository: M1Repository): { images: string[]; notes: string[]; problems: ConfigProblem[] } {
  const images: string[] = [];
  const notes = new Map<string, string>();
  const problems = new Map<string, ConfigProblem>();
  cluster.instances.forEach((inst, i) => {
    const given = imageOf(cluster, inst);
    const choice = chooseImage(given, repository);
    if (choice.kind === 'refused') {
      const own = typeof inst.extra['image'] === 'string' && inst.extra['image'] !== '';
      const path = own ? `instances[${i}].image` : 'instance_defaults.image';
      problems.set(path, { file: CONFIG, path, message: choice.message });
      images.push(given);
      return;
    }
    if (choice.kind === 'mapped') notes.set(given, choice.note);
    images.push(choice.image);
  });
  return { images, notes: [...notes.values()], problems: [...problems.values()] };
}

export function planDocker(
  cluster: Cluster,
  containers: ObservedContainer[],
  networks: ObservedNetwork[],
  options: PlanOptions = {},
): PlanOutcome {
  const resolved = resolveImages(cluster, options.debianRepository ?? 'm1/debian');
  const problems = [...configProblems(cluster), ...resolved.problems];
  if (problems.length) return { ok: false, problems, refusals: [] };
  const owner: Owner = { name: cluster.name, dir: cluster.dir };
  const subnetText = cluster.dockerNetwork!.subnet;
  const subnet = parseCidr(subnetText)!;
  const netName = networkNameOf(cluster);
  const refusals: string[] = [];
  const warnings: string[] = [];

  // The network: ours by name and labels, and no other network on the subnet.
  let network: DockerPlan['network'] = { name: netName, subnet: subnetText, action: 'create', driverOptions: cluster.dockerNetwork!.driverOptions ?? {} };
  for (const n of networks) {
    if (n.name === netName) {
      const o = ownership(n.labels, owner);
      if (o !== 'ours') {
        refusals.push(`network ${n.name} already exists and ${describeOwner(n.labels)}: remove it, or rename the cluster's network in config.yml (docker_networks)`);
        continue;
      }
      const same = n.subnets.some((s) => {
        const c = parseCidr(s);
        return c !== undefined && c.first === subnet.first && c.prefix === subnet.prefix;
      });
      if (!same) {
        refusals.push(`network ${n.name} has subnet ${n.subnets.join(', ') || 'none'} but config.yml says ${subnetText}: run m1 deprovision first to change it`);
      }
      network = { ...network, action: 'keep', id: n.id };
      continue;
    }
    for (const s of n.subnets) {
      const c = parseCidr(s);
      if (c && overlaps(c, subnet)) {
        refusals.push(`network ${n.name} (${s}) overlaps the cluster's subnet ${subnetText}: choose another subnet in config.yml (docker_networks) or remove that network`);
      }
    }
  }

  const byName = new Map(containers.map((c) => [c.name, c]));
  const wanted = new Set(cluster.instances.map((i) => i.name));
  const steps: ContainerStep[] = [];
  for (const [i, inst] of cluster.instances.entries()) {
    const image = resolved.images[i]!;
    const c = byName.get(inst.name);
    if (!c) {
      steps.push({ instance: inst, image, action: 'create' });
      continue;
    }
    const o = ownership(c.labels, owner);
    if (o !== 'ours') {
      refusals.push(`container ${c.name} already exists and ${describeOwner(c.labels)}: remove or rename it, or rename instance ${inst.name} in config.yml`);
      continue;
    }
    const addr = c.addresses[netName];
    if (inst.ipAddress && addr && addr !== inst.ipAddress) {
      refusals.push(`container ${c.name} has address ${addr} but config.yml says ${inst.ipAddress}: run m1 deprovision first to change it`);
      continue;
    }
    if (!addr && c.state === 'running') {
      refusals.push(`container ${c.name} is not attached to network ${netName}: run m1 deprovision first`);
      continue;
    }
    // Docker lists an image id instead of a name once the tag moved (image rebuilt).
    if (c.image !== image && !c.image.startsWith('sha256:')) {
      const given = imageOf(cluster, inst);
      const says = given === image ? image : `${given} (${image})`;
      warnings.push(`container ${c.name} runs image ${c.image}, config.yml says ${says}: kept (deprovision and provision again to change it)`);
    }
    // Made before m1 labelled its settings: it has the defaults, which is what no docker key gives.
    const made = c.labels[LABEL_SETTINGS] ?? DEFAULT_DIGEST;
    if (made !== settingsDigest(dockerSettingsOf(cluster, inst))) {
      warnings.push(`container ${c.name} was created with other docker settings than config.yml gives it now: kept (deprovision and provision again to apply them)`);
    }
    const action: ContainerAction = c.state === 'running' ? 'keep' : c.state === 'paused' ? 'unpause' : 'start';
    steps.push({ instance: inst, image, action, id: c.id });
  }

  // Containers of this cluster that config.yml dropped: kept, but they must not hold a wanted address.
  const strays = containers.filter((c) => ownership(c.labels, owner) === 'ours' && !wanted.has(c.name));
  for (const s of strays) {
    const addr = s.addresses[netName];
    const clash = addr && cluster.instances.find((i) => i.ipAddress === addr);
    if (clash) refusals.push(`container ${s.name} (no longer in config.yml) holds ${addr}, which config.yml gives to ${clash.name}: remove it (docker rm -f ${s.name})`);
    else warnings.push(`container ${s.name} is labelled with this cluster but not in config.yml: left as is (m1 deprovision removes it)`);
  }

  if (refusals.length) return { ok: false, problems: [], refusals };
  return { ok: true, plan: { network, containers: steps, strays, warnings, imageNotes: resolved.notes } };
}

