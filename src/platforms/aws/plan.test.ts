import { describe, expect, it } from 'vitest';
import type { ObservedRegion } from './observe.js';
import { planAws } from './plan.js';
import { planGroup, sshWarnings } from './securityGroup.js';
import { planKeyPair } from './keyPair.js';
import type { AwsSpec, InstanceSpec } from './spec.js';
import { planNetwork } from './vpc.js';

const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0 m1-c';
const AMI = { name: 'debian-12', owner: '1' };
const inst = (name: string, location: string): InstanceSpec => ({
  name,
  location,
  region: 'eu-west-1',
  type: 't3.micro',
  ami: AMI,
  volumes: [],
  publicIp: true,
  user: 'admin',
  tags: {},
});
const spec: AwsSpec = {
  cluster: 'c',
  vpcs: { 'eu-west-1': { name: 'Test', cidr: '10.33.0.0/16' } },
  locations: [
    { name: 'a', region: 'eu-west-1', az: 'eu-west-1a', subnet: '10.33.1.0/28' },
    { name: 'b', region: 'eu-west-1', az: 'eu-west-1b', subnet: '10.33.2.0/28' },
  ],
  rules: [{ proto: 'tcp', fromPort: 22, toPort: 22, cidr: '198.51.100.7/32' }],
  reachability: 'public',
  instances: [inst('one', 'a'), inst('two', 'b')],
};
const empty = (): ObservedRegion => ({ region: 'eu-west-1', subnets: [], instances: [], images: { 'debian-12@1': { id: 'ami-1', rootDevice: '/dev/xvda' } } });
const converged = (): ObservedRegion => ({
  ...empty(),
  vpc: { id: 'vpc-1', ours: true },
  subnets: [
    { id: 'subnet-a', cidr: '10.33.1.0/28', az: 'eu-west-1a', ours: true },
    { id: 'subnet-b', cidr: '10.33.2.0/28', az: 'eu-west-1b', ours: true },
  ],
  gateway: { id: 'igw-1', ours: true },
  routeTable: { id: 'rtb-1', hasDefaultRoute: true, subnetIds: ['subnet-a', 'subnet-b'] },
  group: { id: 'sg-1', ours: true, rules: [{ proto: 'tcp', fromPort: 22, toPort: 22, cidr: '198.51.100.7/32' }] },
  keyPair: { name: 'm1-c', ours: true, publicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIG0' },
  instances: [
    { id: 'i-1', name: 'one', state: 'running', publicIp: '203.0.113.1' },
    { id: 'i-2', name: 'two', state: 'running', publicIp: '203.0.113.2' },
  ],
});

describe('planAws', () => {
  it('on an empty region: the network, group, key pair and instances, each later step naming what an earlier one makes', () => {
    const p = planAws(spec, { 'eu-west-1': empty() }, KEY);
    expect(p.steps.map((s) => s.op)).toEqual([
      'createVpc',
      'createGateway',
      'createRouteTable',
      'createSubnet',
      'associateRouteTable',
      'createSubnet',
      'associateRouteTable',
      'createGroup',
      'authorizeIngress',
      'importKeyPair',
      'runInstance',
      'runInstance',
    ]);
    expect(p.steps[10]).toMatchObject({ subnet: { ref: 'subnet:a' }, group: { ref: 'sg:eu-west-1' }, keyName: 'm1-c', image: { id: 'ami-1' } });
    expect(p.warnings).toEqual([]);
  });

  it('on a converged region: no step at all', () => {
    expect(planAws(spec, { 'eu-west-1': converged() }, KEY)).toEqual({ steps: [], warnings: [], refusals: [], problems: [] });
  });

  it('an image that is not there is a problem naming it, not a launch', () => {
    const o = { ...converged(), instances: [], images: {} };
    expect(planAws(spec, { 'eu-west-1': o }, KEY).problems).toEqual([
      'instance one: no machine image named debian-12 owned by 1 in eu-west-1: fix ec2_ami',
      'instance two: no machine image named debian-12 owned by 1 in eu-west-1: fix ec2_ami',
    ]);
  });

  it('an instance the config no longer lists is a warning, left running', () => {
    const o = converged();
    o.instances.push({ id: 'i-9', name: 'gone', state: 'running' });
    const p = planAws(spec, { 'eu-west-1': o }, KEY);
    expect(p.steps).toEqual([]);
    expect(p.warnings).toEqual([expect.stringMatching(/^instance gone \(i-9\) in eu-west-1 is tagged with this cluster but config\.yml does not list it/)]);
  });
});

describe('planNetwork', () => {
  it('a subnet in another zone than config.yml says is refused', () => {
    const o = converged();
    o.subnets[0]!.az = 'eu-west-1c';
    expect(planNetwork('eu-west-1', spec.vpcs['eu-west-1']!, spec.locations, true, o).refusals).toEqual([
      'location a: subnet 10.33.1.0/28 exists in eu-west-1c, not eu-west-1a as config.yml says: change az, or the subnet',
    ]);
  });

  it("another's subnet is used but not routed through the cluster's table; private hosts need no gateway", () => {
    const o = { ...converged(), gateway: undefined, routeTable: undefined };
    o.subnets = o.subnets.map((s) => ({ ...s, ours: false }));
    expect(planNetwork('eu-west-1', spec.vpcs['eu-west-1']!, spec.locations, false, o).steps).toEqual([]);
    expect(planNetwork('eu-west-1', spec.vpcs['eu-west-1']!, spec.locations, true, o).steps.map((s) => s.op)).toEqual(['createGateway', 'createRouteTable']);
  });
});

describe('planGroup', () => {
  it('allows the rules missing, revokes the ones config.yml dropped', () => {
    const o = converged();
    o.group!.rules = [{ proto: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }];
    expect(planGroup('eu-west-1', 'm1-c', { id: 'vpc-1' }, spec.rules, o).steps).toEqual([
      { op: 'authorizeIngress', region: 'eu-west-1', group: { id: 'sg-1' }, rules: spec.rules },
      { op: 'revokeIngress', region: 'eu-west-1', group: { id: 'sg-1' }, rules: [{ proto: 'tcp', fromPort: 22, toPort: 22, cidr: '0.0.0.0/0' }] },
    ]);
  });

  it("a group of that name m1 did not make is refused, never changed", () => {
    const o = converged();
    o.group!.ours = false;
    const p = planGroup('eu-west-1', 'm1-c', { id: 'vpc-1' }, spec.rules, o);
    expect(p.steps).toEqual([]);
    expect(p.refusals).toEqual(['security group m1-c (sg-1) in eu-west-1 was not made by m1 for this cluster: rename or delete it']);
  });
});

describe('sshWarnings', () => {
  it("warns for SSH open to the whole internet (TPA's default), not for SSH from one address or other ports from anywhere", () => {
    expect(
      sshWarnings([
        { proto: 'tcp', fromPort: 22, toPort: 22, cidr: '198.51.100.7/32' },
        { proto: 'tcp', fromPort: 5432, toPort: 5432, cidr: '0.0.0.0/0' },
        { proto: 'tcp', fromPort: 0, toPort: 65535, cidr: '0.0.0.0/0' },
        { proto: '-1', fromPort: 0, toPort: 0, cidr: '0.0.0.0/0' },
      ]).map((w) => w.slice(0, 16)),
    ).toEqual(['cluster_rules[2]', 'cluster_rules[3]']);
  });
});

describe('planKeyPair', () => {
  it('imports when absent, replaces when it holds another key (the comment aside), refuses one m1 did not make', () => {
    expect(planKeyPair('r', 'm1-c', KEY, empty()).steps).toEqual([{ op: 'importKeyPair', region: 'r', name: 'm1-c', publicKey: KEY }]);
    expect(planKeyPair('r', 'm1-c', KEY, converged()).steps).toEqual([]);
    const other = { ...converged(), keyPair: { name: 'm1-c', ours: true, publicKey: 'ssh-ed25519 AAAAother m1-c' } };
    expect(planKeyPair('r', 'm1-c', KEY, other).steps.map((s) => s.op)).toEqual(['deleteKeyPair', 'importKeyPair']);
    const foreign = { ...converged(), keyPair: { name: 'm1-c', ours: false } };
    expect(planKeyPair('r', 'm1-c', KEY, foreign).refusals).toHaveLength(1);
  });
});
