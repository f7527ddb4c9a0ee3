/**
 * What a region holds for a cluster, read with Describe* calls (every page):
 * provision's view (the VPC named in ec2_vpc and what is in it) and
 * deprovision's (only what carries the cluster's tag). Returns data; the
 * planners decide.
 */
import {
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  type EC2Client,
  type Filter,
  type IpPermission,
} from '@aws-sdk/client-ec2';
import { describeAll } from './paginate.js';
import type { AmiChoice, IngressRule } from './spec.js';
import { clusterFilter, groupName, isOurs, keyPairName, nameTag } from './tags.js';

export interface ObservedInstance {
  id: string;
  name: string;
  /** pending, running, stopping, stopped. */
  state: string;
  publicIp?: string;
  privateIp?: string;
}

export interface ObservedImage {
  id: string;
  rootDevice: string;
}

export interface ObservedRegion {
  region: string;
  /** The VPC ec2_vpc names (Name tag and cidr), ours or not. */
  vpc?: { id: string; ours: boolean };
  subnets: { id: string; cidr: string; az: string; ours: boolean }[];
  /** The internet gateway attached to that VPC. */
  gateway?: { id: string; ours: boolean };
  /** The cluster's route table in that VPC. */
  routeTable?: { id: string; hasDefaultRoute: boolean; subnetIds: string[] };
  /** m1-<cluster> in that VPC. */
  group?: { id: string; ours: boolean; rules: IngressRule[] };
  keyPair?: { name: string; ours: boolean; publicKey?: string };
  /** The cluster's instances that are not terminated. */
  instances: ObservedInstance[];
  /** By amiKey(choice). */
  images: Record<string, ObservedImage>;
}

export const amiKey = (a: AmiChoice): string => a.id ?? `${a.name}@${a.owner ?? ''}`;

const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];

/** An ingress permission as one rule per address range; `-1` (every protocol) stays as AWS writes it. */
export function rulesOf(perms: IpPermission[] | undefined): IngressRule[] {
  return (perms ?? []).flatMap((p) =>
    (p.IpRanges ?? []).map((r) => ({ proto: p.IpProtocol ?? 'tcp', fromPort: p.FromPort ?? 0, toPort: p.ToPort ?? 65535, cidr: r.CidrIp ?? '' })),
  );
}

/** The cluster's instances (tag checked again here, so a mistaken filter can never hand over another's). */
export async function describeInstances(ec2: EC2Client, cluster: string, filters: Filter[], ids?: string[]): Promise<ObservedInstance[]> {
  const input = { Filters: [clusterFilter(cluster), ...filters], ...(ids ? { InstanceIds: ids } : {}) };
  const reservations = await describeAll((NextToken) => ec2.send(new DescribeInstancesCommand({ ...input, NextToken })), (o) => o.Reservations);
  return reservations.flatMap((r) =>
    (r.Instances ?? []).filter((i) => isOurs(i.Tags, cluster)).map((i) => ({
      id: i.InstanceId!,
      name: nameTag(i.Tags) ?? i.InstanceId!,
      state: i.State?.Name ?? 'unknown',
      ...(i.PublicIpAddress ? { publicIp: i.PublicIpAddress } : {}),
      ...(i.PrivateIpAddress ? { privateIp: i.PrivateIpAddress } : {}),
    })),
  );
}

/** The newest image of that name and owner (TPA's lookup), or the image given by id. */
async function findImage(ec2: EC2Client, a: AmiChoice): Promise<ObservedImage | undefined> {
  const input = a.id ? { ImageIds: [a.id] } : { Owners: a.owner ? [a.owner] : undefined, Filters: [{ Name: 'name', Values: [a.name!] }] };
  const images = await describeAll((NextToken) => ec2.send(new DescribeImagesCommand({ ...input, NextToken })), (o) => o.Images);
  const newest = images.sort((x, y) => (y.CreationDate ?? '').localeCompare(x.CreationDate ?? ''))[0];
  return newest?.ImageId ? { id: newest.ImageId, rootDevice: newest.RootDeviceName ?? '/dev/xvda' } : undefined;
}

export async function observeRegion(
  ec2: EC2Client,
  want: { region: string; cluster: string; vpcName: string; vpcCidr: string; amis: AmiChoice[] },
): Promise<ObservedRegion> {
  const { cluster } = want;
  const vpcs = await describeAll((NextToken) => ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: [want.vpcCidr] }, { Name: 'tag:Name', Values: [want.vpcName] }], NextToken })), (o) => o.Vpcs);
  // Ours first: a VPC this cluster made wins over another of the same name.
  const vpc = [...vpcs].sort((a, b) => Number(isOurs(b.Tags, cluster)) - Number(isOurs(a.Tags, cluster)))[0];
  const observed: ObservedRegion = { region: want.region, subnets: [], instances: [], images: {} };
  const [instances, keyPairs, images] = await Promise.all([
    describeInstances(ec2, cluster, [{ Name: 'instance-state-name', Values: LIVE_STATES }]),
    // DescribeKeyPairs has no pages; a filter (not KeyNames) answers an absent key with an empty list.
    ec2.send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'key-name', Values: [keyPairName(cluster)] }], IncludePublicKey: true })),
    Promise.all(want.amis.map(async (a) => [amiKey(a), await findImage(ec2, a)] as const)),
  ]);
  observed.instances = instances;
  const kp = keyPairs.KeyPairs?.[0];
  if (kp?.KeyName) observed.keyPair = { name: kp.KeyName, ours: isOurs(kp.Tags, cluster), ...(kp.PublicKey ? { publicKey: kp.PublicKey } : {}) };
  for (const [key, image] of images) if (image) observed.images[key] = image;
  if (!vpc?.VpcId) return observed;

  const vpcId = vpc.VpcId;
  observed.vpc = { id: vpcId, ours: isOurs(vpc.Tags, cluster) };
  const inVpc = { Name: 'vpc-id', Values: [vpcId] };
  const [subnets, gateways, tables, groups] = await Promise.all([
    describeAll((NextToken) => ec2.send(new DescribeSubnetsCommand({ Filters: [inVpc], NextToken })), (o) => o.Subnets),
    describeAll((NextToken) => ec2.send(new DescribeInternetGatewaysCommand({ Filters: [{ Name: 'attachment.vpc-id', Values: [vpcId] }], NextToken })), (o) => o.InternetGateways),
    describeAll((NextToken) => ec2.send(new DescribeRouteTablesCommand({ Filters: [inVpc, clusterFilter(cluster)], NextToken })), (o) => o.RouteTables),
    describeAll((NextToken) => ec2.send(new DescribeSecurityGroupsCommand({ Filters: [inVpc, { Name: 'group-name', Values: [groupName(cluster)] }], NextToken })), (o) => o.SecurityGroups),
  ]);
  observed.subnets = subnets.map((s) => ({ id: s.SubnetId!, cidr: s.CidrBlock ?? '', az: s.AvailabilityZone ?? '', ours: isOurs(s.Tags, cluster) }));
  const gw = gateways[0];
  if (gw?.InternetGatewayId) observed.gateway = { id: gw.InternetGatewayId, ours: isOurs(gw.Tags, cluster) };
  const rt = tables[0];
  if (rt?.RouteTableId) {
    observed.routeTable = {
      id: rt.RouteTableId,
      hasDefaultRoute: (rt.Routes ?? []).some((r) => r.DestinationCidrBlock === '0.0.0.0/0' && r.GatewayId !== undefined),
      subnetIds: (rt.Associations ?? []).flatMap((a) => (a.SubnetId ? [a.SubnetId] : [])),
    };
  }
  const sg = groups[0];
  if (sg?.GroupId) observed.group = { id: sg.GroupId, ours: isOurs(sg.Tags, cluster), rules: rulesOf(sg.IpPermissions) };
  return observed;
}

/** Deprovision's view: only what carries the cluster's tag, in one region. */
export interface TaggedRegion {
  region: string;
  instances: ObservedInstance[];
  groups: { id: string; name: string }[];
  subnets: { id: string; cidr: string }[];
  routeTables: { id: string; associations: string[] }[];
  gateways: { id: string; vpcIds: string[] }[];
  vpcs: { id: string; cidr: string }[];
  keyPairs: string[];
}

export async function observeTagged(ec2: EC2Client, region: string, cluster: string): Promise<TaggedRegion> {
  const ours = [clusterFilter(cluster)];
  const [instances, groups, subnets, tables, gateways, vpcs, keyPairs] = await Promise.all([
    describeInstances(ec2, cluster, [{ Name: 'instance-state-name', Values: LIVE_STATES }]),
    describeAll((NextToken) => ec2.send(new DescribeSecurityGroupsCommand({ Filters: ours, NextToken })), (o) => o.SecurityGroups),
    describeAll((NextToken) => ec2.send(new DescribeSubnetsCommand({ Filters: ours, NextToken })), (o) => o.Subnets),
    describeAll((NextToken) => ec2.send(new DescribeRouteTablesCommand({ Filters: ours, NextToken })), (o) => o.RouteTables),
    describeAll((NextToken) => ec2.send(new DescribeInternetGatewaysCommand({ Filters: ours, NextToken })), (o) => o.InternetGateways),
    describeAll((NextToken) => ec2.send(new DescribeVpcsCommand({ Filters: ours, NextToken })), (o) => o.Vpcs),
    ec2.send(new DescribeKeyPairsCommand({ Filters: ours })),
  ]);
  // The filter is the service's; the tag is checked again here so a mistaken filter removes nothing.
  const tagged = <T extends { Tags?: { Key?: string; Value?: string }[] }>(list: T[]) => list.filter((x) => isOurs(x.Tags, cluster));
  return {
    region,
    instances,
    groups: tagged(groups).map((g) => ({ id: g.GroupId!, name: g.GroupName ?? g.GroupId! })),
    subnets: tagged(subnets).map((s) => ({ id: s.SubnetId!, cidr: s.CidrBlock ?? '' })),
    routeTables: tagged(tables).map((t) => ({ id: t.RouteTableId!, associations: (t.Associations ?? []).flatMap((a) => (a.Main ? [] : [a.RouteTableAssociationId!])) })),
    gateways: tagged(gateways).map((g) => ({ id: g.InternetGatewayId!, vpcIds: (g.Attachments ?? []).flatMap((a) => (a.VpcId ? [a.VpcId] : [])) })),
    vpcs: tagged(vpcs).map((v) => ({ id: v.VpcId!, cidr: v.CidrBlock ?? '' })),
    keyPairs: tagged(keyPairs.KeyPairs ?? []).flatMap((k) => (k.KeyName ? [k.KeyName] : [])),
  };
}
