/**
 * The aws platform's provision and deprovision: credentials from the SDK's
 * usual chain (checked first: none is exit 2), every region of the cluster
 * observed, the plan made, instances waited for until running and answering
 * over SSH as their login user with passwordless sudo. Host keys are taken
 * on first contact, as on bare hosts, and checked strictly afterwards.
 * This module imports the AWS SDK: it is loaded only for an aws cluster
 * (see awsPlatform.ts).
 */
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  DeleteKeyPairCommand,
  DeleteRouteTableCommand,
  DeleteSecurityGroupCommand,
  DeleteSubnetCommand,
  DeleteVpcCommand,
  DeleteInternetGatewayCommand,
  DetachInternetGatewayCommand,
  DisassociateRouteTableCommand,
  EC2Client,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { ConfigError, HostError, RefusedError } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { INVENTORY_FILE, writeInventory, type Inventory } from '../../inventory/inventory.js';
import { fingerprint, showKey, type PublicKey } from '../../ssh/keys.js';
import { keysFor, parseKnownHosts } from '../../ssh/knownHosts.js';
import { rootCheckCommand } from '../bare/targets.js';
import { ensureClusterKey, ensureGitignore, KNOWN_HOSTS_FILE, readKnownHosts, updateKnownHosts, writeSshConfig } from '../clusterFiles.js';
import type { DeprovisionOptions, DeprovisionResult, HostReport, HostStatus, ProvisionOptions, ProvisionResult } from '../platform.js';
import { waitForSsh, type SshTarget } from '../sshProbe.js';
import { awsError, noCredentials } from './errors.js';
import { executeSteps } from './execute.js';
import { describeInstances, observeRegion, observeTagged, type ObservedInstance, type ObservedRegion } from './observe.js';
import { planAws, regionsOf } from './plan.js';
import { awsSpecOf, type AwsSpec, type InstanceSpec } from './spec.js';
import { describeRemoval, planTeardown, type Removal } from './teardown.js';

export interface AwsDeps {
  client(region: string): EC2Client;
  /** SSH until it answers (tests give a fake). */
  waitForSsh: typeof waitForSsh;
  sleep(ms: number): Promise<void>;
  /** Between two DescribeInstances while instances start or terminate. */
  pollMs: number;
}

export function defaultDeps(): AwsDeps {
  // The SDK warns on every run under Node 20 about its own future releases; m1 supports Node 20 with this one.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const clients = new Map<string, EC2Client>();
  return {
    client: (region) => {
      let c = clients.get(region);
      if (!c) clients.set(region, (c = new EC2Client({ region })));
      return c;
    },
    waitForSsh,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    pollMs: 5000,
  };
}

/** Instances can take minutes to boot, and cloud-init then starts sshd. */
const DEFAULT_READY_TIMEOUT_MS = 600_000;

function specOrThrow(cluster: Cluster): AwsSpec {
  const { spec, problems } = awsSpecOf(cluster);
  if (!spec) throw new ConfigError(problems);
  return spec;
}

/** The SDK's chain (environment, profile files, SSO, instance role...) resolved once, before any call. */
async function checkCredentials(ec2: EC2Client): Promise<void> {
  try {
    await ec2.config.credentials();
  } catch (err) {
    throw noCredentials(((err as Error).message ?? String(err)).split('\n')[0]!);
  }
}

const addressOf = (x: ObservedInstance, inst: InstanceSpec) => (inst.publicIp ? x.publicIp : x.privateIp);

/** Polls until every instance of the cluster runs and has the address it is reached at. */
async function waitRunning(spec: AwsSpec, deps: AwsDeps, deadline: number, progress: (l: string) => void): Promise<Map<string, ObservedInstance>> {
  for (;;) {
    const found = new Map<string, ObservedInstance>();
    for (const region of regionsOf(spec)) {
      const live = await describeInstances(deps.client(region), spec.cluster, [{ Name: 'instance-state-name', Values: ['pending', 'running'] }]).catch((err) => {
        throw awsError(err, `instances in ${region}`);
      });
      for (const x of live) if (!found.has(x.name)) found.set(x.name, x);
    }
    const waiting = spec.instances.filter((i) => {
      const x = found.get(i.name);
      return !x || x.state !== 'running' || !addressOf(x, i);
    });
    if (waiting.length === 0) return found;
    if (Date.now() >= deadline) {
      throw new HostError(waiting.map((i) => `instance ${i.name}: not running with ${i.publicIp ? 'a public' : 'an'} address in time (state ${found.get(i.name)?.state ?? 'absent'})`).join('\n'));
    }
    progress(`waiting for ${waiting.map((i) => i.name).join(', ')} to run`);
    await deps.sleep(deps.pollMs);
  }
}

export async function provisionAws(cluster: Cluster, opts: ProvisionOptions = {}, deps: AwsDeps = defaultDeps()): Promise<ProvisionResult> {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const spec = specOrThrow(cluster);
  const regions = regionsOf(spec);
  await checkCredentials(deps.client(regions[0]!));

  const changed: string[] = [];
  const key = await ensureClusterKey(cluster);
  if (key.changed) changed.push(`key ${key.privateKeyFile} generated`);
  if (await ensureGitignore(cluster.dir)) changed.push('.gitignore written');

  const observed: Record<string, ObservedRegion> = {};
  for (const region of regions) {
    const v = spec.vpcs[region]!;
    const amis = spec.instances.filter((i) => i.region === region).map((i) => i.ami);
    const unique = [...new Map(amis.map((a) => [JSON.stringify(a), a])).values()];
    try {
      observed[region] = await observeRegion(deps.client(region), { region, cluster: cluster.name, vpcName: v.name, vpcCidr: v.cidr, amis: unique });
    } catch (err) {
      throw awsError(err, `reading ${region}`);
    }
  }
  const plan = planAws(spec, observed, key.publicKey);
  if (plan.problems.length) throw new ConfigError(plan.problems.map((message) => ({ file: join(cluster.dir, 'config.yml'), path: '', message })));
  if (plan.refusals.length) throw new RefusedError(plan.refusals.join('\n'));
  for (const w of plan.warnings) progress(`warning: ${w}`);

  const done = await executeSteps(cluster.name, plan.steps, (r) => deps.client(r), progress);
  changed.push(...done.changed);

  const deadline = Date.now() + (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS);
  const running = await waitRunning(spec, deps, deadline, progress);

  const privateKey = await readFile(key.privateKeyPath, 'utf8');
  const entries = parseKnownHosts(await readKnownHosts(cluster.dir));
  const launched = new Set(plan.steps.flatMap((s) => (s.op === 'runInstance' ? [s.instance.name] : [])));
  const startedNow = new Set(plan.steps.flatMap((s) => (s.op === 'startInstance' ? [s.name] : [])));
  const outcomes = await Promise.all(
    spec.instances.map(async (inst) => {
      const address = addressOf(running.get(inst.name)!, inst)!;
      const target: SshTarget = { name: inst.name, address, port: 22, user: inst.user };
      const known = keysFor(entries, address, 22);
      const o = await deps.waitForSsh(target, { privateKey, knownKeys: known, command: rootCheckCommand(inst.user), deadline });
      const where = `host ${inst.name} ${address}`;
      if (!o.ok) {
        const refused = o.reason === 'hostkey-mismatch' || o.reason === 'hostkey-revoked';
        const message = refused
          ? `${where}: host key differs from known_hosts (it presents ${o.hostKey ? showKey(o.hostKey) : 'another key'}): if the instance was replaced, delete its line from known_hosts and provision again`
          : `${where}: no SSH answer as ${inst.user} (${o.message})`;
        return { refused, message };
      }
      if (o.exitCode !== 0) return { refused: false, message: `${where}: ${inst.user} cannot act as root without a password (sudo -n true)` };
      const status: HostStatus = launched.has(inst.name) ? 'created' : startedNow.has(inst.name) ? 'started' : known.length === 0 ? 'recorded' : 'unchanged';
      const report: HostReport = { name: inst.name, address, status, fingerprint: fingerprint(o.hostKey), readyMs: Date.now() - started };
      progress(`${where}: ${status}${known.length === 0 ? `, host key recorded, ${showKey(o.hostKey)}` : ''}`);
      return { report, record: known.length === 0 ? o.hostKey : undefined, user: inst.user };
    }),
  );

  const toRecord = outcomes.flatMap((o) => ('report' in o && o.record ? [{ address: o.report!.address, port: 22, keys: [o.record as PublicKey] }] : []));
  if (toRecord.length && (await updateKnownHosts(cluster.dir, toRecord))) changed.push('known_hosts updated');
  const refusals = outcomes.flatMap((o) => ('message' in o && o.refused ? [o.message] : []));
  const failures = outcomes.flatMap((o) => ('message' in o && !o.refused ? [o.message] : []));
  if (refusals.length) throw new RefusedError([...refusals, ...failures].join('\n'));
  if (failures.length) throw new HostError(failures.join('\n'));

  const hosts = outcomes.flatMap((o) => ('report' in o ? [o.report!] : []));
  const inventory: Inventory = {
    cluster: cluster.name,
    platform: 'aws',
    privateKeyFile: key.privateKeyFile,
    knownHostsFile: KNOWN_HOSTS_FILE,
    hosts: spec.instances.map((inst, k) => ({ name: inst.name, address: hosts[k]!.address, port: 22, user: inst.user })),
  };
  if (await writeInventory(cluster.dir, inventory)) changed.push(`${INVENTORY_FILE} written`);
  if (await writeSshConfig(cluster.dir, inventory)) changed.push('ssh_config written');
  return { cluster: cluster.name, platform: 'aws', hosts, changed, warnings: plan.warnings, inventory, durationMs: Date.now() - started };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function removalsOf(cluster: Cluster, deps: AwsDeps): Promise<Removal[]> {
  const spec = specOrThrow(cluster);
  const regions = regionsOf(spec);
  await checkCredentials(deps.client(regions[0]!));
  const tagged = [];
  for (const region of regions) {
    try {
      tagged.push(await observeTagged(deps.client(region), region, cluster.name));
    } catch (err) {
      throw awsError(err, `reading ${region}`);
    }
  }
  return planTeardown(tagged);
}

export async function deprovisionPlanAws(cluster: Cluster, deps: AwsDeps = defaultDeps()): Promise<string[]> {
  const items = (await removalsOf(cluster, deps)).flatMap(describeRemoval);
  if (await exists(join(cluster.dir, INVENTORY_FILE))) items.push(INVENTORY_FILE);
  return items;
}

/** Polls until none of these instances is alive: their network interfaces hold the group and subnets until then. */
async function waitTerminated(ec2: EC2Client, cluster: string, ids: string[], deps: AwsDeps, deadline: number): Promise<void> {
  for (;;) {
    const alive = (await describeInstances(ec2, cluster, [], ids)).filter((x) => x.state !== 'terminated');
    if (alive.length === 0) return;
    if (Date.now() >= deadline) throw new HostError(`instances ${alive.map((x) => x.name).join(', ')}: still ${alive[0]!.state}, not terminated; run deprovision again`);
    await deps.sleep(deps.pollMs);
  }
}

async function remove(ec2: EC2Client, cluster: string, r: Removal, deps: AwsDeps): Promise<void> {
  switch (r.op) {
    case 'terminateInstances':
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: r.ids }));
      await waitTerminated(ec2, cluster, r.ids, deps, Date.now() + DEFAULT_READY_TIMEOUT_MS);
      return;
    case 'deleteGroup':
      await ec2.send(new DeleteSecurityGroupCommand({ GroupId: r.id }));
      return;
    case 'deleteSubnet':
      await ec2.send(new DeleteSubnetCommand({ SubnetId: r.id }));
      return;
    case 'deleteRouteTable':
      for (const a of r.associations) await ec2.send(new DisassociateRouteTableCommand({ AssociationId: a }));
      await ec2.send(new DeleteRouteTableCommand({ RouteTableId: r.id }));
      return;
    case 'deleteGateway':
      for (const vpc of r.vpcIds) await ec2.send(new DetachInternetGatewayCommand({ InternetGatewayId: r.id, VpcId: vpc }));
      await ec2.send(new DeleteInternetGatewayCommand({ InternetGatewayId: r.id }));
      return;
    case 'deleteVpc':
      await ec2.send(new DeleteVpcCommand({ VpcId: r.id }));
      return;
    case 'deleteKeyPair':
      await ec2.send(new DeleteKeyPairCommand({ KeyName: r.name }));
      return;
  }
}

export async function deprovisionAws(cluster: Cluster, opts: DeprovisionOptions = {}, deps: AwsDeps = defaultDeps()): Promise<DeprovisionResult> {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const removed: string[] = [];
  for (const r of await removalsOf(cluster, deps)) {
    const lines = describeRemoval(r);
    try {
      await remove(deps.client(r.region), cluster.name, r, deps);
    } catch (err) {
      throw awsError(err, `removing ${lines.join(', ')}`);
    }
    for (const l of lines) {
      removed.push(l);
      progress(`${l}: removed`);
    }
  }
  const inv = join(cluster.dir, INVENTORY_FILE);
  if (await exists(inv)) {
    await rm(inv, { force: true });
    removed.push(INVENTORY_FILE);
  }
  return { removed, durationMs: Date.now() - started };
}
