/**
 * What config.yml asks of AWS, read from the keys TPA writes for aws
 * (ec2_vpc, ec2_ami, ec2_instance_reachability, cluster_rules, each
 * location's region / az / subnet, each instance's type, default_volumes,
 * volumes, assign_public_ip, tags). Pure: problems are returned, never thrown.
 */
import { join } from 'node:path';
import { hostVarLayer } from '../../config/vars.js';
import type { ConfigProblem } from '../../errors.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { parseCidr } from '../docker/cidr.js';

export interface IngressRule {
  proto: string;
  fromPort: number;
  toPort: number;
  cidr: string;
}

export interface Volume {
  /** `root` is the image's root device. */
  device: string;
  sizeGb: number;
  type: string;
  encrypted: boolean;
  iops?: number;
}

export interface AmiChoice {
  /** An image id given as it is (ami-...), else looked up by name and owner. */
  id?: string;
  name?: string;
  owner?: string;
}

export interface LocationSpec {
  name: string;
  region: string;
  az: string;
  subnet: string;
}

export interface InstanceSpec {
  name: string;
  location: string;
  region: string;
  type: string;
  ami: AmiChoice;
  volumes: Volume[];
  publicIp: boolean;
  /** Login user with passwordless sudo (vars.ansible_user, else admin as on Debian's images). */
  user: string;
  tags: Record<string, string>;
}

export interface AwsSpec {
  cluster: string;
  /** One VPC per region: ec2_vpc's Name tag and cidr. */
  vpcs: Record<string, { name: string; cidr: string }>;
  locations: LocationSpec[];
  rules: IngressRule[];
  /** public: hosts are reached at their public address; private: at their private one. */
  reachability: 'public' | 'private';
  instances: InstanceSpec[];
}

type Raw = Record<string, unknown>;
const isMap = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : typeof v === 'number' ? String(v) : undefined);
const int = (v: unknown): number | undefined => {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
};

function stringMap(v: unknown): Record<string, string> {
  if (!isMap(v)) return {};
  return Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (str(x) === undefined ? [] : [[k, str(x)!]])));
}

/** The instance's own key, else instance_defaults'. */
function keyOf(cluster: Pick<Cluster, 'instanceDefaults'>, inst: Instance, key: string): unknown {
  return key in inst.extra ? inst.extra[key] : cluster.instanceDefaults[key];
}

function parseVolume(v: unknown, path: string, problems: ConfigProblem[], file: string): Volume | undefined {
  if (!isMap(v) || str(v.device_name) === undefined) {
    problems.push({ file, path, message: 'a volume needs device_name (root or /dev/sdX)' });
    return undefined;
  }
  const size = int(v.volume_size);
  if (size === undefined || size < 1) {
    problems.push({ file, path: `${path}.volume_size`, message: `${JSON.stringify(v.volume_size)} is not a size in GB` });
    return undefined;
  }
  const iops = v.iops === undefined ? undefined : int(v.iops);
  return { device: str(v.device_name)!, sizeGb: size, type: str(v.volume_type) ?? 'gp2', encrypted: v.encrypted === true, ...(iops === undefined ? {} : { iops }) };
}

/** default_volumes, then the instance's volumes: one of the same device_name replaces the default's. */
function volumesOf(cluster: Cluster, inst: Instance, i: number, problems: ConfigProblem[], file: string): Volume[] {
  const out = new Map<string, Volume>();
  const add = (list: unknown, path: string) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) return void problems.push({ file, path, message: 'a list of volumes' });
    list.forEach((v, k) => {
      const vol = parseVolume(v, `${path}[${k}]`, problems, file);
      if (vol) out.set(vol.device, vol);
    });
  };
  const defaults = keyOf(cluster, inst, 'default_volumes');
  add(defaults, 'default_volumes' in inst.extra ? `instances[${i}].default_volumes` : 'instance_defaults.default_volumes');
  add(inst.extra.volumes, `instances[${i}].volumes`);
  return [...out.values()];
}

function amiOf(v: unknown): AmiChoice | undefined {
  if (typeof v === 'string' && /^ami-[0-9a-f]+$/.test(v)) return { id: v };
  if (!isMap(v)) return undefined;
  const name = str(v.Name ?? v.name);
  const owner = str(v.Owner ?? v.owner);
  return name ? { name, owner } : undefined;
}

function rulesOf(v: unknown, problems: ConfigProblem[], file: string): IngressRule[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) return problems.push({ file, path: 'cluster_rules', message: 'a list of {proto, from_port, to_port, cidr_ip}' }), [];
  return v.flatMap((r, k): IngressRule[] => {
    const path = `cluster_rules[${k}]`;
    const from = isMap(r) ? int(r.from_port) : undefined;
    const to = isMap(r) ? int(r.to_port) : undefined;
    const cidr = isMap(r) ? str(r.cidr_ip) : undefined;
    if (!isMap(r) || from === undefined || to === undefined || from > to || to > 65535 || !cidr || !parseCidr(cidr)) {
      problems.push({ file, path, message: 'needs proto, from_port <= to_port (0 to 65535) and cidr_ip (a.b.c.d/n)' });
      return [];
    }
    return [{ proto: str(r.proto) ?? 'tcp', fromPort: from, toPort: to, cidr }];
  });
}

export function awsSpecOf(cluster: Cluster): { spec?: AwsSpec; problems: ConfigProblem[] } {
  const file = join(cluster.dir, 'config.yml');
  const problems: ConfigProblem[] = [];
  const x = cluster.extra;

  const vpcs: AwsSpec['vpcs'] = {};
  if (!isMap(x.ec2_vpc)) problems.push({ file, path: 'ec2_vpc', message: 'missing: one entry per region, {Name, cidr}' });
  else {
    for (const [region, v] of Object.entries(x.ec2_vpc)) {
      const cidr = isMap(v) ? str(v.cidr) : undefined;
      if (!cidr || !parseCidr(cidr)) problems.push({ file, path: `ec2_vpc.${region}.cidr`, message: 'the VPC needs cidr (a.b.c.d/n)' });
      else vpcs[region] = { name: (isMap(v) && str(v.Name)) || cluster.name, cidr };
    }
  }

  const locations: LocationSpec[] = [];
  cluster.locations.forEach((l, k) => {
    const region = str(l.extra.region);
    const az = str(l.extra.az);
    const subnet = str(l.extra.subnet);
    const path = `locations[${k}]`;
    if (!region || !az || !subnet) return void problems.push({ file, path, message: `location ${l.name} needs region, az and subnet` });
    if (!parseCidr(subnet)) return void problems.push({ file, path: `${path}.subnet`, message: `"${subnet}" is not a subnet (a.b.c.d/n)` });
    if (isMap(x.ec2_vpc) && !vpcs[region]) problems.push({ file, path: `${path}.region`, message: `no VPC for region ${region} in ec2_vpc` });
    locations.push({ name: l.name, region, az, subnet });
  });

  const reach = x.ec2_instance_reachability ?? 'public';
  if (reach !== 'public' && reach !== 'private') problems.push({ file, path: 'ec2_instance_reachability', message: 'public or private' });
  const reachability = reach === 'private' ? 'private' : 'public';

  const defaultAmi = amiOf(x.ec2_ami);
  const instances: InstanceSpec[] = [];
  cluster.instances.forEach((inst, i) => {
    const path = `instances[${i}]`;
    const loc = locations.find((l) => l.name === inst.location);
    const type = str(keyOf(cluster, inst, 'type'));
    const ami = amiOf(keyOf(cluster, inst, 'ec2_ami')) ?? amiOf(keyOf(cluster, inst, 'image')) ?? defaultAmi;
    if (!type) problems.push({ file, path: `${path}.type`, message: `${inst.name} has no instance type: set type (e.g. t3.micro) here or in instance_defaults` });
    if (!ami) problems.push({ file, path: 'ec2_ami', message: `${inst.name} has no machine image: set ec2_ami {Name, Owner}, or image: ami-...` });
    const volumes = volumesOf(cluster, inst, i, problems, file);
    if (!loc || !type || !ami) return;
    const assign = keyOf(cluster, inst, 'assign_public_ip');
    instances.push({
      name: inst.name,
      location: loc.name,
      region: loc.region,
      type,
      ami,
      volumes,
      publicIp: typeof assign === 'boolean' ? assign : reachability === 'public',
      user: hostVarLayer(cluster, inst, 'ansible_user') ?? hostVarLayer(cluster, 'cluster_vars', 'ansible_user') ?? 'admin',
      tags: { ...stringMap(cluster.clusterTags), ...stringMap(inst.extra.tags) },
    });
  });
  const rules = rulesOf(x.cluster_rules, problems, file);
  if (problems.length) return { problems };
  return { spec: { cluster: cluster.name, vpcs, locations, rules, reachability, instances }, problems };
}
