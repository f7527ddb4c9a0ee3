/**
 * A small EC2 in memory behind aws-sdk-client-mock: the calls the aws
 * platform makes create, describe (filtered, in pages of two so every
 * Describe* must follow NextToken) and delete resources, so a second
 * provision sees what the first made. Instances boot on the next
 * DescribeInstances (pending -> running, with addresses) and terminate the
 * same way. One region: the fixtures' clusters live in eu-west-1.
 */
import {
  AssociateRouteTableCommand,
  AttachInternetGatewayCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateInternetGatewayCommand,
  CreateRouteCommand,
  CreateRouteTableCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DeleteInternetGatewayCommand,
  DeleteKeyPairCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeInternetGatewaysCommand,
  DescribeKeyPairsCommand,
  DescribeRouteTablesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  ImportKeyPairCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  TerminateInstancesCommand,
  type Filter,
  type IpPermission,
  type Tag,
  type TagSpecification,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';

type Item = Record<string, unknown> & { Tags?: Tag[] };

export const PAGE = 2;

export interface World {
  vpcs: Item[];
  subnets: Item[];
  gateways: Item[];
  routeTables: Item[];
  groups: Item[];
  keyPairs: Item[];
  instances: Item[];
  images: Item[];
}

export const DEBIAN_IMAGE: Item = {
  ImageId: 'ami-0debian12',
  Name: 'debian-12-amd64-20250210-2019',
  OwnerId: '136693071363',
  RootDeviceName: '/dev/xvda',
  CreationDate: '2025-02-10T20:19:00.000Z',
};

export function emptyWorld(): World {
  return { vpcs: [], subnets: [], gateways: [], routeTables: [], groups: [], keyPairs: [], instances: [], images: [DEBIAN_IMAGE] };
}

const FIELD: Record<string, (x: Item) => unknown[]> = {
  'vpc-id': (x) => [x.VpcId],
  cidr: (x) => [x.CidrBlock],
  'attachment.vpc-id': (x) => ((x.Attachments as { VpcId: string }[]) ?? []).map((a) => a.VpcId),
  'group-name': (x) => [x.GroupName],
  'key-name': (x) => [x.KeyName],
  'instance-state-name': (x) => [(x.State as { Name: string }).Name],
  name: (x) => [x.Name],
};

function matches(x: Item, filters: Filter[] | undefined): boolean {
  return (filters ?? []).every((f) => {
    const values = f.Name!.startsWith('tag:') ? (x.Tags ?? []).filter((t) => t.Key === f.Name!.slice(4)).map((t) => t.Value) : FIELD[f.Name!]!(x);
    return values.some((v) => f.Values!.includes(v as string));
  });
}

function page<T>(items: T[], token: string | undefined): { items: T[]; NextToken?: string } {
  const from = token ? Number(token) : 0;
  const next = from + PAGE < items.length ? String(from + PAGE) : undefined;
  return { items: items.slice(from, from + PAGE), ...(next ? { NextToken: next } : {}) };
}

const tagsOf = (specs: TagSpecification[] | undefined, type: string): Tag[] => specs?.find((s) => s.ResourceType === type)?.Tags ?? [];

export function fakeEc2(world: World) {
  const mock = mockClient(EC2Client);
  let n = 0;
  const id = (prefix: string) => `${prefix}-${String(++n).padStart(4, '0')}`;
  const find = (list: Item[], key: string, value: unknown) => {
    const x = list.find((i) => i[key] === value);
    if (!x) throw Object.assign(new Error(`${String(value)} does not exist`), { name: 'InvalidID.NotFound' });
    return x;
  };
  const described = (list: Item[], input: { Filters?: Filter[]; NextToken?: string }) => page(list.filter((x) => matches(x, input.Filters)), input.NextToken);

  mock.on(CreateVpcCommand).callsFake((i) => {
    const vpc = { VpcId: id('vpc'), CidrBlock: i.CidrBlock, Tags: tagsOf(i.TagSpecifications, 'vpc') };
    world.vpcs.push(vpc);
    return { Vpc: vpc };
  });
  mock.on(DescribeVpcsCommand).callsFake((i) => {
    const p = described(world.vpcs, i);
    return { Vpcs: p.items, NextToken: p.NextToken };
  });
  mock.on(DeleteVpcCommand).callsFake((i) => {
    world.vpcs.splice(world.vpcs.indexOf(find(world.vpcs, 'VpcId', i.VpcId)), 1);
    return {};
  });

  mock.on(CreateSubnetCommand).callsFake((i) => {
    const s = { SubnetId: id('subnet'), VpcId: i.VpcId, CidrBlock: i.CidrBlock, AvailabilityZone: i.AvailabilityZone, Tags: tagsOf(i.TagSpecifications, 'subnet') };
    world.subnets.push(s);
    return { Subnet: s };
  });
  mock.on(DescribeSubnetsCommand).callsFake((i) => {
    const p = described(world.subnets, i);
    return { Subnets: p.items, NextToken: p.NextToken };
  });
  mock.on(DeleteSubnetCommand).callsFake((i) => {
    world.subnets.splice(world.subnets.indexOf(find(world.subnets, 'SubnetId', i.SubnetId)), 1);
    return {};
  });

  mock.on(CreateInternetGatewayCommand).callsFake((i) => {
    const g = { InternetGatewayId: id('igw'), Attachments: [], Tags: tagsOf(i.TagSpecifications, 'internet-gateway') };
    world.gateways.push(g);
    return { InternetGateway: g };
  });
  mock.on(AttachInternetGatewayCommand).callsFake((i) => {
    (find(world.gateways, 'InternetGatewayId', i.InternetGatewayId).Attachments as unknown[]).push({ VpcId: i.VpcId, State: 'available' });
    return {};
  });
  mock.on(DetachInternetGatewayCommand).callsFake((i) => {
    const g = find(world.gateways, 'InternetGatewayId', i.InternetGatewayId);
    g.Attachments = (g.Attachments as { VpcId: string }[]).filter((a) => a.VpcId !== i.VpcId);
    return {};
  });
  mock.on(DescribeInternetGatewaysCommand).callsFake((i) => {
    const p = described(world.gateways, i);
    return { InternetGateways: p.items, NextToken: p.NextToken };
  });
  mock.on(DeleteInternetGatewayCommand).callsFake((i) => {
    world.gateways.splice(world.gateways.indexOf(find(world.gateways, 'InternetGatewayId', i.InternetGatewayId)), 1);
    return {};
  });

  mock.on(CreateRouteTableCommand).callsFake((i) => {
    const t = { RouteTableId: id('rtb'), VpcId: i.VpcId, Routes: [], Associations: [], Tags: tagsOf(i.TagSpecifications, 'route-table') };
    world.routeTables.push(t);
    return { RouteTable: t };
  });
  mock.on(CreateRouteCommand).callsFake((i) => {
    (find(world.routeTables, 'RouteTableId', i.RouteTableId).Routes as unknown[]).push({ DestinationCidrBlock: i.DestinationCidrBlock, GatewayId: i.GatewayId });
    return { Return: true };
  });
  mock.on(AssociateRouteTableCommand).callsFake((i) => {
    const a = { RouteTableAssociationId: id('rtbassoc'), SubnetId: i.SubnetId, Main: false };
    (find(world.routeTables, 'RouteTableId', i.RouteTableId).Associations as unknown[]).push(a);
    return { AssociationId: a.RouteTableAssociationId };
  });
  mock.on(DisassociateRouteTableCommand).callsFake((i) => {
    for (const t of world.routeTables) t.Associations = (t.Associations as { RouteTableAssociationId: string }[]).filter((a) => a.RouteTableAssociationId !== i.AssociationId);
    return {};
  });
  mock.on(DescribeRouteTablesCommand).callsFake((i) => {
    const p = described(world.routeTables, i);
    return { RouteTables: p.items, NextToken: p.NextToken };
  });
  mock.on(DeleteRouteTableCommand).callsFake((i) => {
    world.routeTables.splice(world.routeTables.indexOf(find(world.routeTables, 'RouteTableId', i.RouteTableId)), 1);
    return {};
  });

  mock.on(CreateSecurityGroupCommand).callsFake((i) => {
    const g = { GroupId: id('sg'), GroupName: i.GroupName, VpcId: i.VpcId, IpPermissions: [] as IpPermission[], Tags: tagsOf(i.TagSpecifications, 'security-group') };
    world.groups.push(g);
    return { GroupId: g.GroupId };
  });
  mock.on(AuthorizeSecurityGroupIngressCommand).callsFake((i) => {
    (find(world.groups, 'GroupId', i.GroupId).IpPermissions as IpPermission[]).push(...(i.IpPermissions as IpPermission[]));
    return { Return: true };
  });
  mock.on(RevokeSecurityGroupIngressCommand).callsFake((i) => {
    const g = find(world.groups, 'GroupId', i.GroupId);
    const gone = JSON.stringify(i.IpPermissions);
    g.IpPermissions = (g.IpPermissions as IpPermission[]).filter((p) => !gone.includes(JSON.stringify(p.IpRanges)));
    return { Return: true };
  });
  mock.on(DescribeSecurityGroupsCommand).callsFake((i) => {
    const p = described(world.groups, i);
    return { SecurityGroups: p.items, NextToken: p.NextToken };
  });
  mock.on(DeleteSecurityGroupCommand).callsFake((i) => {
    world.groups.splice(world.groups.indexOf(find(world.groups, 'GroupId', i.GroupId)), 1);
    return {};
  });

  mock.on(ImportKeyPairCommand).callsFake((i) => {
    const publicKey = new TextDecoder().decode(i.PublicKeyMaterial as Uint8Array).trim();
    world.keyPairs.push({ KeyName: i.KeyName, KeyPairId: id('key'), PublicKey: publicKey, Tags: tagsOf(i.TagSpecifications, 'key-pair') });
    return { KeyName: i.KeyName };
  });
  mock.on(DescribeKeyPairsCommand).callsFake((i) => ({
    KeyPairs: world.keyPairs.filter((k) => matches(k, i.Filters)).map((k) => (i.IncludePublicKey ? k : { ...k, PublicKey: undefined })),
  }));
  mock.on(DeleteKeyPairCommand).callsFake((i) => {
    world.keyPairs = world.keyPairs.filter((k) => k.KeyName !== i.KeyName);
    return {};
  });

  mock.on(DescribeImagesCommand).callsFake((i) => {
    const list = world.images.filter((x) => (i.ImageIds ? i.ImageIds.includes(x.ImageId) : true) && (i.Owners ? i.Owners.includes(x.OwnerId) : true) && matches(x, i.Filters));
    const p = page(list, i.NextToken);
    return { Images: p.items, NextToken: p.NextToken };
  });

  let address = 10;
  mock.on(RunInstancesCommand).callsFake((i) => {
    const inst = {
      InstanceId: id('i'),
      State: { Name: 'pending' },
      SubnetId: i.NetworkInterfaces[0].SubnetId,
      PrivateIpAddress: `10.33.0.${++address}`,
      Tags: tagsOf(i.TagSpecifications, 'instance'),
      PublicIp: i.NetworkInterfaces[0].AssociatePublicIpAddress ? `203.0.113.${address}` : undefined,
    };
    world.instances.push(inst);
    return { Instances: [inst] };
  });
  mock.on(StartInstancesCommand).callsFake((i) => {
    for (const x of world.instances) if ((i.InstanceIds as string[]).includes(x.InstanceId as string)) x.State = { Name: 'pending' };
    return {};
  });
  mock.on(TerminateInstancesCommand).callsFake((i) => {
    for (const x of world.instances) if ((i.InstanceIds as string[]).includes(x.InstanceId as string)) x.State = { Name: 'shutting-down' };
    return {};
  });
  mock.on(DescribeInstancesCommand).callsFake((i) => {
    const list = world.instances.filter((x) => (i.InstanceIds ? i.InstanceIds.includes(x.InstanceId) : true) && matches(x, i.Filters));
    const p = page(list, i.NextToken);
    // One DescribeInstances later, a pending instance runs and a terminating one is gone.
    const answer = { Reservations: p.items.map((x) => ({ Instances: [{ ...x, PublicIpAddress: (x.State as { Name: string }).Name === 'running' ? x.PublicIp : undefined }] })), NextToken: p.NextToken };
    for (const x of p.items) {
      const s = x.State as { Name: string };
      if (s.Name === 'pending') x.State = { Name: 'running' };
      if (s.Name === 'shutting-down') x.State = { Name: 'terminated' };
    }
    return answer;
  });
  return mock;
}

/** The calls that change something, as `Command` names with the input fields a reader checks. */
export function writes(mock: ReturnType<typeof fakeEc2>): string[] {
  return mock
    .calls()
    .map((c) => c.args[0] as { constructor: { name: string }; input: Record<string, unknown> })
    .filter((cmd) => !/^Describe/.test(cmd.constructor.name))
    .map((cmd) => cmd.constructor.name.replace(/Command$/, ''));
}
