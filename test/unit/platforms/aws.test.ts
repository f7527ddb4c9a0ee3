/**
 * The aws platform against a mocked EC2 (aws-sdk-client-mock over a small
 * in-memory EC2, test/unit/platforms/fakeEc2.ts) on the config.yml TPA's
 * configure wrote for two locations (test/fixtures/tpa-configs/
 * aws-repmgr-2loc.yml, unedited): the calls made, nothing created the second
 * time, only what carries the cluster's tag removed, the errors for missing
 * credentials and a full quota, every Describe* followed past its first page.
 * SSH is a fake here: nothing in this file has run against a real account.
 */
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeInstancesCommand, DescribeVpcsCommand, EC2Client, RunInstancesCommand, type RunInstancesCommandInput } from '@aws-sdk/client-ec2';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCluster } from '../../../src/config/load.js';
import { ExitCode } from '../../../src/exitCodes.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { defaultDeps, deprovisionAws, deprovisionPlanAws, provisionAws, type AwsDeps } from '../../../src/platforms/aws/provision.js';
import { platformFor } from '../../../src/platforms/platformFor.js';
import type { SshTarget } from '../../../src/platforms/sshProbe.js';
import { generateKeyPair, parsePublicKey } from '../../../src/ssh/keys.js';
import { emptyWorld, fakeEc2, PAGE, writes, type World } from './fakeEc2.js';

const FIXTURE = join(packageRoot, 'test', 'fixtures', 'tpa-configs', 'aws-repmgr-2loc.yml');
const REFERENCE = join(packageRoot, '..', 'shared', 'reference', 'tpa-configs', 'aws-repmgr-2loc.yml');
const HOST_KEY = parsePublicKey(generateKeyPair('ed25519', 'host').publicKey)!;
const CLUSTER = 'aws-repmgr-2loc';

let dir: string;
let world: World;
let mock: ReturnType<typeof fakeEc2>;
let probed: SshTarget[];

function deps(over: Partial<AwsDeps> = {}): AwsDeps {
  let polls = 0;
  return {
    client: (region) => new EC2Client({ region, credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'not-a-secret' } }),
    waitForSsh: async (target) => {
      probed.push(target);
      return { ok: true, hostKey: HOST_KEY, exitCode: 0, stdout: '', stderr: '' };
    },
    // The fake boots an instance on the next Describe: a run that keeps polling has lost one.
    sleep: async () => {
      if (++polls > 20) throw new Error('still polling after 20 rounds');
    },
    pollMs: 0,
    ...over,
  };
}

async function cluster(): Promise<Cluster> {
  return (await loadCluster(dir)).cluster;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-aws-'));
  dir = join(dir, CLUSTER);
  await cp(FIXTURE, join(dir, 'config.yml'));
  world = emptyWorld();
  mock = fakeEc2(world);
  probed = [];
});
afterEach(async () => {
  mock.restore();
  await rm(join(dir, '..'), { recursive: true, force: true });
});

describe('the TPA-written aws config.yml', () => {
  it.skipIf(!existsSync(REFERENCE))('is what TPA wrote, unedited', () => {
    expect(readFileSync(FIXTURE, 'utf8')).toBe(readFileSync(REFERENCE, 'utf8'));
  });

  it('is an aws cluster m1 provisions (no longer refused)', async () => {
    expect(platformFor(await cluster()).name).toBe('aws');
  });
});

describe('aws provision, two locations', () => {
  it('makes the VPC, gateway, route table, two subnets, the security group, the key pair and five instances, in that order', async () => {
    const progress: string[] = [];
    const r = await provisionAws(await cluster(), { progress: (l) => progress.push(l) }, deps());
    expect(writes(mock)).toEqual([
      'CreateVpc',
      'CreateInternetGateway',
      'AttachInternetGateway',
      'CreateRouteTable',
      'CreateRoute',
      'CreateSubnet',
      'AssociateRouteTable',
      'CreateSubnet',
      'AssociateRouteTable',
      'CreateSecurityGroup',
      'AuthorizeSecurityGroupIngress',
      'ImportKeyPair',
      ...Array(5).fill('RunInstances'),
    ]);
    // what was asked of AWS, as config.yml says
    const input = <T>(name: string) => mock.calls().map((c) => c.args[0] as { constructor: { name: string }; input: T }).filter((c) => c.constructor.name === `${name}Command`).map((c) => c.input);
    expect(input<{ CidrBlock: string }>('CreateVpc')[0]!.CidrBlock).toBe('10.33.0.0/16');
    expect(input<{ CidrBlock: string; AvailabilityZone: string }>('CreateSubnet').map((s) => [s.CidrBlock, s.AvailabilityZone])).toEqual([
      ['10.33.192.64/28', 'eu-west-1a'],
      ['10.33.76.192/28', 'eu-west-1b'],
    ]);
    expect(input<{ IpPermissions: unknown }>('AuthorizeSecurityGroupIngress')[0]!.IpPermissions).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '10.33.192.64/28' }, { CidrIp: '10.33.76.192/28' }] },
    ]);
    const runs = input<RunInstancesCommandInput>('RunInstances');
    const kaolin = runs.find((x) => x.TagSpecifications![0]!.Tags!.some((t) => t.Value === 'kaolin'))!;
    expect(kaolin).toMatchObject({ ImageId: 'ami-0debian12', InstanceType: 't3.micro', KeyName: `m1-${CLUSTER}`, MinCount: 1, MaxCount: 1 });
    // default_volumes, with the instance's own /dev/sdf (Barman's 32 GB) in place of the default's
    expect(kaolin.BlockDeviceMappings).toEqual([
      { DeviceName: '/dev/xvda', Ebs: { VolumeSize: 16, VolumeType: 'gp2', Encrypted: true, DeleteOnTermination: true } },
      { DeviceName: '/dev/sdf', Ebs: { VolumeSize: 32, VolumeType: 'gp2', Encrypted: true, DeleteOnTermination: true } },
    ]);
    expect(kaolin.NetworkInterfaces![0]!.AssociatePublicIpAddress).toBe(true);
    // every creation carries the cluster's tag from the call that creates it
    for (const list of [world.vpcs, world.subnets, world.gateways, world.routeTables, world.groups, world.keyPairs, world.instances]) {
      for (const x of list) expect(x.Tags).toContainEqual({ Key: 'm1:cluster', Value: CLUSTER });
    }
    // the key pair holds the cluster key
    expect(world.keyPairs[0]!.PublicKey).toBe((await readFile(join(dir, 'id_aws-repmgr-2loc.pub'), 'utf8')).trim());

    // waited for SSH at each public address as admin, host keys recorded on first contact
    expect(probed.map((t) => [t.name, t.user, t.port])).toEqual(['kaboom', 'kaftan', 'kaolin', 'kapok', 'kaput'].map((n) => [n, 'admin', 22]));
    expect(probed.every((t) => t.address.startsWith('203.0.113.'))).toBe(true);
    expect(r.hosts.map((h) => h.status)).toEqual(Array(5).fill('created'));
    const inventory = JSON.parse(await readFile(join(dir, 'inventory.json'), 'utf8'));
    expect(inventory).toMatchObject({ cluster: CLUSTER, platform: 'aws', privateKeyFile: 'id_aws-repmgr-2loc', knownHostsFile: 'known_hosts' });
    expect(inventory.hosts.map((h: { name: string; address: string; user: string }) => [h.name, h.address, h.user])).toEqual(probed.map((t) => [t.name, t.address, 'admin']));
    const knownHosts = await readFile(join(dir, 'known_hosts'), 'utf8');
    for (const t of probed) expect(knownHosts).toContain(`${t.address} ${HOST_KEY.algorithm} ${HOST_KEY.base64}`);

    // TPA's SSH rule is a warning, said as it happens and in the result
    expect(r.warnings).toEqual([expect.stringMatching(/^cluster_rules\[0\] opens SSH \(22\/tcp\) to 0\.0\.0\.0\/0, the whole internet/)]);
    expect(progress).toContain(`warning: ${r.warnings[0]}`);
    expect(r.changed).toContain('instance kaboom (t3.micro) created');
  });

  it('a second provision creates nothing: only Describe* calls, every host unchanged, nothing written', async () => {
    await provisionAws(await cluster(), {}, deps());
    mock.resetHistory();
    const before = JSON.stringify(world);
    probed = [];
    const r = await provisionAws(await cluster(), {}, deps());
    expect(writes(mock)).toEqual([]);
    expect(r.changed).toEqual([]);
    expect(r.hosts.map((h) => h.status)).toEqual(Array(5).fill('unchanged'));
    // the world changed only in the instances' boot, which the fake finishes on a Describe
    expect(JSON.stringify(world)).toBe(before);
    expect(probed).toHaveLength(5);
  });

  it('a stopped instance is started, nothing else is made', async () => {
    await provisionAws(await cluster(), {}, deps());
    world.instances[1]!.State = { Name: 'stopped' };
    mock.resetHistory();
    const r = await provisionAws(await cluster(), {}, deps());
    expect(writes(mock)).toEqual(['StartInstances']);
    expect(r.changed).toEqual(['instance kaftan started']);
  });

  it("uses the VPC ec2_vpc names when it exists (TPA's shared VPC), and deprovision leaves it", async () => {
    world.vpcs.push({ VpcId: 'vpc-shared', CidrBlock: '10.33.0.0/16', Tags: [{ Key: 'Name', Value: 'Test' }] });
    world.gateways.push({ InternetGatewayId: 'igw-shared', Attachments: [{ VpcId: 'vpc-shared', State: 'available' }], Tags: [] });
    await provisionAws(await cluster(), {}, deps());
    expect(writes(mock)).not.toContain('CreateVpc');
    expect(writes(mock)).not.toContain('CreateInternetGateway');
    expect(world.subnets.every((s) => s.VpcId === 'vpc-shared')).toBe(true);
    await deprovisionAws(await cluster(), {}, deps());
    expect(world.vpcs.map((v) => v.VpcId)).toEqual(['vpc-shared']);
    expect(world.gateways.map((g) => g.InternetGatewayId)).toEqual(['igw-shared']);
  });

  it('Describe* calls are followed past their first page: instances on later pages are found, not launched again', async () => {
    await provisionAws(await cluster(), {}, deps());
    // the fake pages by two: five instances take three pages
    expect(world.instances.length).toBeGreaterThan(2 * PAGE);
    mock.resetHistory();
    await provisionAws(await cluster(), {}, deps());
    expect(writes(mock)).toEqual([]);
    const tokens = mock.commandCalls(DescribeInstancesCommand).map((c) => c.args[0].input.NextToken);
    expect(tokens).toContain('2');
    expect(tokens).toContain('4');
    // and the VPC found among others of the same account, past the first page
    world.vpcs.unshift(
      ...['10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16'].map((c, k) => ({ VpcId: `vpc-other${k}`, CidrBlock: c, Tags: [{ Key: 'Name', Value: 'Test' }] })),
    );
    mock.resetHistory();
    await provisionAws(await cluster(), {}, deps());
    expect(writes(mock)).toEqual([]);
    expect(mock.commandCalls(DescribeVpcsCommand).length).toBeGreaterThan(0);
  });

  it('a full quota is exit 1 naming the instance, the limit and what to do; a rerun goes on from what was made', async () => {
    mock
      .on(RunInstancesCommand)
      .rejectsOnce(Object.assign(new Error('You have requested more vCPU capacity than your current vCPU limit of 2 allows'), { name: 'VcpuLimitExceeded' }));
    const err = await provisionAws(await cluster(), {}, deps()).catch((e: unknown) => e as { exitCode: number; message: string });
    expect(err.exitCode).toBe(ExitCode.Failed);
    expect(err.message).toMatch(/^AWS: instance kaboom \(t3\.micro\) in eu-west-1: quota full \(VcpuLimitExceeded: You have requested more vCPU capacity/);
    expect(err.message).toContain('Service Quotas');
    // the network made before the refusal stays, and is not made again
    mock.resetHistory();
    for (const quota of ['InstanceLimitExceeded']) {
      mock.on(RunInstancesCommand).rejectsOnce(Object.assign(new Error('limit'), { name: quota }));
      const again = await provisionAws(await cluster(), {}, deps()).catch((e: unknown) => e as { message: string });
      expect(again.message).toContain(`quota full (${quota}`);
    }
    expect(writes(mock)).toEqual(['RunInstances']);
  });

  it('no credentials anywhere the SDK looks is exit 2 naming the variables, before any call', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'm1-aws-home-'));
    for (const v of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_WEB_IDENTITY_TOKEN_FILE']) {
      vi.stubEnv(v, undefined);
    }
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(empty, 'credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', join(empty, 'config'));
    vi.stubEnv('AWS_EC2_METADATA_DISABLED', 'true');
    try {
      // the SDK's own default chain, as m1 builds its clients
      const real = defaultDeps();
      const err = await provisionAws(await cluster(), {}, { ...deps(), client: real.client }).catch((e: unknown) => e as { exitCode: number; message: string });
      expect(err.exitCode).toBe(ExitCode.BadInput);
      expect(err.message).toMatch(/^AWS: no credentials found \(.*\): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY .*AWS_PROFILE/);
      expect(mock.calls()).toEqual([]);
      expect(existsSync(join(dir, 'id_aws-repmgr-2loc'))).toBe(false);
      const plan = await deprovisionPlanAws(await cluster(), { ...deps(), client: real.client }).catch((e: unknown) => e as { exitCode: number });
      expect(plan.exitCode).toBe(ExitCode.BadInput);
    } finally {
      vi.unstubAllEnvs();
      await rm(empty, { recursive: true, force: true });
    }
  });

  it('credentials AWS refuses are exit 2 too', async () => {
    mock.on(DescribeVpcsCommand).rejects(Object.assign(new Error('AWS was not able to validate the provided access credentials'), { name: 'AuthFailure' }));
    const err = await provisionAws(await cluster(), {}, deps()).catch((e: unknown) => e as { exitCode: number; message: string });
    expect(err.exitCode).toBe(ExitCode.BadInput);
    expect(err.message).toMatch(/credentials refused \(AuthFailure/);
  });
});

describe('aws deprovision', () => {
  it("removes only what carries the cluster's tag, instances first and the VPC last, and the inventory", async () => {
    await provisionAws(await cluster(), {}, deps());
    // another cluster's instance in the same subnet's VPC, and an untagged group
    world.instances.push({ InstanceId: 'i-other', State: { Name: 'running' }, Tags: [{ Key: 'Name', Value: 'kaboom' }, { Key: 'm1:cluster', Value: 'another' }] });
    world.groups.push({ GroupId: 'sg-hand', GroupName: 'hand-made', VpcId: world.vpcs[0]!.VpcId, IpPermissions: [], Tags: [] });
    world.keyPairs.push({ KeyName: 'someone', Tags: [] });

    const items = await deprovisionPlanAws(await cluster(), deps());
    expect(items).toEqual([
      ...['kaboom', 'kaftan', 'kaolin', 'kapok', 'kaput'].map((n) => expect.stringMatching(new RegExp(`^instance ${n} \\(i-\\d+, eu-west-1\\)$`))),
      expect.stringMatching(/^security group m1-aws-repmgr-2loc /),
      expect.stringMatching(/^route table /),
      expect.stringMatching(/^subnet 10\.33\.192\.64\/28 /),
      expect.stringMatching(/^subnet 10\.33\.76\.192\/28 /),
      expect.stringMatching(/^internet gateway /),
      expect.stringMatching(/^vpc 10\.33\.0\.0\/16 /),
      'key pair m1-aws-repmgr-2loc (eu-west-1)',
      'inventory.json',
    ]);
    mock.resetHistory();
    const r = await deprovisionAws(await cluster(), {}, deps());
    expect(writes(mock)).toEqual([
      'TerminateInstances',
      'DeleteSecurityGroup',
      'DisassociateRouteTable',
      'DisassociateRouteTable',
      'DeleteRouteTable',
      'DeleteSubnet',
      'DeleteSubnet',
      'DetachInternetGateway',
      'DeleteInternetGateway',
      'DeleteVpc',
      'DeleteKeyPair',
    ]);
    expect(r.removed).toEqual(items);
    expect(world.instances.filter((i) => i.State && (i.State as { Name: string }).Name !== 'terminated').map((i) => i.InstanceId)).toEqual(['i-other']);
    expect(world.groups.map((g) => g.GroupId)).toEqual(['sg-hand']);
    expect(world.keyPairs.map((k) => k.KeyName)).toEqual(['someone']);
    expect(existsSync(join(dir, 'inventory.json'))).toBe(false);
    // and again: nothing left to remove
    expect(await deprovisionPlanAws(await cluster(), deps())).toEqual([]);
  });
});
