/**
 * Makes the planned calls, in order, one region's client each: every
 * resource created carries the cluster's tag from its creation call on
 * (TagSpecifications), so nothing m1 made is ever untagged. A failed call
 * stops the run with the step named; what was made stays, and the next
 * provision finds it.
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
  DeleteKeyPairCommand,
  ImportKeyPairCommand,
  RevokeSecurityGroupIngressCommand,
  RunInstancesCommand,
  StartInstancesCommand,
  type BlockDeviceMapping,
  type EC2Client,
  type IpPermission,
  type VolumeType,
} from '@aws-sdk/client-ec2';
import { awsError } from './errors.js';
import type { IngressRule, InstanceSpec } from './spec.js';
import { describeStep, subjectOf, type Ref, type Step } from './steps.js';
import { tagSpecification, tagsFor } from './tags.js';

/** Rules as AWS's permissions: one per protocol and port range, address ranges together. */
export function permissionsOf(rules: IngressRule[]): IpPermission[] {
  const byRange = new Map<string, IpPermission>();
  for (const r of rules) {
    const key = `${r.proto}/${r.fromPort}/${r.toPort}`;
    const p = byRange.get(key) ?? {
      IpProtocol: r.proto,
      ...(r.proto === '-1' ? {} : { FromPort: r.fromPort, ToPort: r.toPort }),
      IpRanges: [],
    };
    p.IpRanges!.push({ CidrIp: r.cidr });
    byRange.set(key, p);
  }
  return [...byRange.values()];
}

/** default_volumes and volumes as block device mappings; `root` is the image's root device. */
export function blockDevices(inst: InstanceSpec, rootDevice: string): BlockDeviceMapping[] {
  return inst.volumes.map((v) => ({
    DeviceName: v.device === 'root' ? rootDevice : v.device,
    Ebs: {
      VolumeSize: v.sizeGb,
      VolumeType: v.type as VolumeType,
      Encrypted: v.encrypted,
      DeleteOnTermination: true,
      ...(v.iops === undefined ? {} : { Iops: v.iops }),
    },
  }));
}

export interface Executed {
  /** Ref -> id of what this run created. */
  ids: Map<string, string>;
  /** Instance name -> id, for the instances launched or started. */
  instances: Map<string, string>;
  changed: string[];
}

export async function executeSteps(
  cluster: string,
  steps: Step[],
  clientFor: (region: string) => EC2Client,
  progress: (line: string) => void,
): Promise<Executed> {
  const done: Executed = { ids: new Map(), instances: new Map(), changed: [] };
  const id = (r: Ref): string => {
    if ('id' in r) return r.id;
    const v = done.ids.get(r.ref);
    if (!v) throw new Error(`internal: ${r.ref} used before it was made`);
    return v;
  };
  for (const step of steps) {
    const ec2 = clientFor(step.region);
    try {
      await run(ec2, cluster, step, id, done);
    } catch (err) {
      throw awsError(err, subjectOf(step));
    }
    const line = describeStep(step);
    done.changed.push(line);
    progress(line);
  }
  return done;
}

async function run(ec2: EC2Client, cluster: string, step: Step, id: (r: Ref) => string, done: Executed): Promise<void> {
  const tags = (type: Parameters<typeof tagSpecification>[0], name: string, extra?: Record<string, string>) => [tagSpecification(type, tagsFor(cluster, name, extra))];
  switch (step.op) {
    case 'createVpc': {
      const r = await ec2.send(new CreateVpcCommand({ CidrBlock: step.cidr, TagSpecifications: tags('vpc', step.name) }));
      done.ids.set(step.ref, r.Vpc!.VpcId!);
      return;
    }
    case 'createGateway': {
      const r = await ec2.send(new CreateInternetGatewayCommand({ TagSpecifications: tags('internet-gateway', cluster) }));
      const gw = r.InternetGateway!.InternetGatewayId!;
      done.ids.set(step.ref, gw);
      await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: gw, VpcId: id(step.vpc) }));
      return;
    }
    case 'createRouteTable': {
      const r = await ec2.send(new CreateRouteTableCommand({ VpcId: id(step.vpc), TagSpecifications: tags('route-table', cluster) }));
      const rt = r.RouteTable!.RouteTableId!;
      done.ids.set(step.ref, rt);
      await ec2.send(new CreateRouteCommand({ RouteTableId: rt, DestinationCidrBlock: '0.0.0.0/0', GatewayId: id(step.gateway) }));
      return;
    }
    case 'addDefaultRoute':
      await ec2.send(new CreateRouteCommand({ RouteTableId: id(step.routeTable), DestinationCidrBlock: '0.0.0.0/0', GatewayId: id(step.gateway) }));
      return;
    case 'createSubnet': {
      const r = await ec2.send(
        new CreateSubnetCommand({ VpcId: id(step.vpc), CidrBlock: step.cidr, AvailabilityZone: step.az, TagSpecifications: tags('subnet', `${cluster}-${step.location}`) }),
      );
      done.ids.set(step.ref, r.Subnet!.SubnetId!);
      return;
    }
    case 'associateRouteTable':
      await ec2.send(new AssociateRouteTableCommand({ RouteTableId: id(step.routeTable), SubnetId: id(step.subnet) }));
      return;
    case 'createGroup': {
      const r = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: step.name,
          Description: `m1 cluster ${cluster}: cluster_rules`,
          VpcId: id(step.vpc),
          TagSpecifications: tags('security-group', step.name),
        }),
      );
      done.ids.set(step.ref, r.GroupId!);
      return;
    }
    case 'authorizeIngress':
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id(step.group), IpPermissions: permissionsOf(step.rules) }));
      return;
    case 'revokeIngress':
      await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id(step.group), IpPermissions: permissionsOf(step.rules) }));
      return;
    case 'importKeyPair':
      await ec2.send(
        new ImportKeyPairCommand({ KeyName: step.name, PublicKeyMaterial: new TextEncoder().encode(step.publicKey), TagSpecifications: tags('key-pair', step.name) }),
      );
      return;
    case 'deleteKeyPair':
      await ec2.send(new DeleteKeyPairCommand({ KeyName: step.name }));
      return;
    case 'runInstance': {
      const inst = step.instance;
      const r = await ec2.send(
        new RunInstancesCommand({
          ImageId: step.image.id,
          InstanceType: inst.type as never,
          MinCount: 1,
          MaxCount: 1,
          KeyName: step.keyName,
          NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: id(step.subnet), Groups: [id(step.group)], AssociatePublicIpAddress: inst.publicIp }],
          BlockDeviceMappings: blockDevices(inst, step.image.rootDevice),
          TagSpecifications: [tagSpecification('instance', tagsFor(cluster, inst.name, inst.tags)), tagSpecification('volume', tagsFor(cluster, inst.name, inst.tags))],
        }),
      );
      const iid = r.Instances![0]!.InstanceId!;
      done.ids.set(step.ref, iid);
      done.instances.set(inst.name, iid);
      return;
    }
    case 'startInstance':
      await ec2.send(new StartInstancesCommand({ InstanceIds: [step.id] }));
      done.instances.set(step.name, step.id);
      return;
  }
}
