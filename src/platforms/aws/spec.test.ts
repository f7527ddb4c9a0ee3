import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/load.js';
import { awsSpecOf } from './spec.js';

const BASE = `
cluster_name: c
architecture: M1
cluster_vars: { failover_manager: repmgr, postgres_version: '15' }
ec2_ami: { Name: debian-12, Owner: '1' }
ec2_vpc: { eu-west-1: { Name: Test, cidr: 10.33.0.0/16 } }
cluster_rules:
- { cidr_ip: 198.51.100.7/32, from_port: 22, proto: tcp, to_port: 22 }
locations:
- { Name: a, region: eu-west-1, az: eu-west-1a, subnet: 10.33.1.0/28 }
instance_defaults:
  platform: aws
  type: t3.micro
  default_volumes:
  - { device_name: root, volume_size: 16, volume_type: gp2, encrypted: true }
instances:
- { Name: one, node: 1, location: a, role: [primary] }
`;

const specOf = (text: string) => awsSpecOf(parseConfig(text, { file: 'config.yml', dir: '/c' }).cluster);

describe('awsSpecOf', () => {
  it('reads the keys TPA writes; ansible_user defaults to admin, the image default login', () => {
    const { spec, problems } = specOf(BASE);
    expect(problems).toEqual([]);
    expect(spec).toEqual({
      cluster: 'c',
      vpcs: { 'eu-west-1': { name: 'Test', cidr: '10.33.0.0/16' } },
      locations: [{ name: 'a', region: 'eu-west-1', az: 'eu-west-1a', subnet: '10.33.1.0/28' }],
      rules: [{ proto: 'tcp', fromPort: 22, toPort: 22, cidr: '198.51.100.7/32' }],
      reachability: 'public',
      instances: [
        {
          name: 'one',
          location: 'a',
          region: 'eu-west-1',
          type: 't3.micro',
          ami: { name: 'debian-12', owner: '1' },
          volumes: [{ device: 'root', sizeGb: 16, type: 'gp2', encrypted: true }],
          publicIp: true,
          user: 'admin',
          tags: {},
        },
      ],
    });
  });

  it('private reachability gives no public address unless the instance asks; an instance image id wins over ec2_ami', () => {
    const text = BASE.replace('ec2_ami:', 'ec2_instance_reachability: private\nec2_ami:').replace(
      '- { Name: one, node: 1, location: a, role: [primary] }',
      '- { Name: one, node: 1, location: a, role: [primary], assign_public_ip: true, image: ami-0abc }\n- { Name: two, node: 2, location: a, role: [replica], upstream: one }',
    );
    const { spec } = specOf(text);
    expect(spec!.instances.map((i) => [i.name, i.publicIp, i.ami])).toEqual([
      ['one', true, { id: 'ami-0abc' }],
      ['two', false, { name: 'debian-12', owner: '1' }],
    ]);
  });

  it('names each missing or bad key with its path', () => {
    const text = BASE.replace('ec2_vpc: { eu-west-1: { Name: Test, cidr: 10.33.0.0/16 } }', 'ec2_vpc: { us-east-1: { Name: Test, cidr: nowhere } }')
      .replace('from_port: 22, proto: tcp, to_port: 22', 'from_port: 22, proto: tcp, to_port: 21')
      .replace('  type: t3.micro\n', '');
    expect(specOf(text).problems.map((p) => [p.path, p.message])).toEqual([
      ['ec2_vpc.us-east-1.cidr', 'the VPC needs cidr (a.b.c.d/n)'],
      ['locations[0].region', 'no VPC for region eu-west-1 in ec2_vpc'],
      ['instances[0].type', 'one has no instance type: set type (e.g. t3.micro) here or in instance_defaults'],
      ['cluster_rules[0]', 'needs proto, from_port <= to_port (0 to 65535) and cidr_ip (a.b.c.d/n)'],
    ]);
  });
});
