/**
 * The docker platform: one bridge network per cluster (its subnet from
 * config.yml), one systemd container per instance (name = hostname = instance
 * Name, static address), the cluster's host keys and public key put in before
 * first boot, each host ready (systemd up, sshd answering with the right key)
 * before provision returns. Anything on the engine that is not this cluster's
 * is refused, never touched.
 */
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, HostError, RefusedError, UsageError } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { lastLines } from '../../engine/text/tail.js';
import { INVENTORY_FILE, writeInventory, type Inventory } from '../../inventory/inventory.js';
import {
  ensureClusterKey,
  ensureGitignore,
  ensureHostKeys,
  KNOWN_HOSTS_FILE,
  updateKnownHosts,
  writeSshConfig,
  type HostKey,
} from '../clusterFiles.js';
import type { DeprovisionOptions, DeprovisionResult, HostReport, Platform, ProvisionOptions, ProvisionResult } from '../platform.js';
import { fingerprint, parsePublicKey, showKey, type PublicKey } from '../../ssh/keys.js';
import { waitForSsh, type ProbeOutcome, type SshTarget } from '../sshProbe.js';
import { bootstrapEntries, hostKeyEntries, repairCommand } from './bootstrapFiles.js';
import { containerSpec, networkNameOf } from './containerSpec.js';
import { connectEngine, execIn, observeContainers, observeNetworks } from './engine.js';
import { apiPath, type EngineClient } from './engineClient.js';
import { ensureImage } from './image.js';
import { DEBIAN_IMAGE_VARIABLE, debianRepositoryFrom, M1_REPOSITORIES } from './imageName.js';
import { ownership, ownerLabels } from './labels.js';
import { planDocker, type ContainerStep } from './plan.js';
import { tarArchive } from './tar.js';

/** Prints `running` or `degraded` once boot is over; bounded so a stuck boot cannot hang provision. */
const READY_COMMAND = 'timeout 90 systemctl is-system-running --wait';
const DEFAULT_READY_TIMEOUT_MS = 120_000;

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

interface HostOutcome {
  report?: HostReport;
  address?: string;
  error?: string;
  warning?: string;
}

interface Context {
  docker: EngineClient;
  cluster: Cluster;
  privateKey: string;
  clusterPublicKey: string;
  hostKeys: HostKey[];
  hostPublicKeys: PublicKey[];
  deadline: number;
  started: number;
  /** ProvisionOptions.trustRunning. */
  trustRunning: boolean;
}

async function addressOf(docker: EngineClient, id: string, network: string): Promise<string | undefined> {
  const info = await docker.get<{ NetworkSettings: { Networks: Record<string, { IPAMConfig?: { IPv4Address?: string }; IPAddress?: string }> } }>(apiPath(['containers', id, 'json']));
  const n = info.NetworkSettings.Networks[network];
  return n?.IPAMConfig?.IPv4Address || n?.IPAddress || undefined;
}

function readyProblem(o: ProbeOutcome): string | undefined {
  if (!o.ok) return o.message;
  const state = o.stdout.trim();
  if (state === 'running' || state === 'degraded') return undefined;
  return `systemd did not finish booting (is-system-running: ${state || 'no answer'})`;
}

/** Engine errors carry the daemon's JSON reason; one line of it is enough. */
function reason(err: unknown): string {
  const e = err as { json?: { message?: string }; message?: string };
  return (e.json?.message ?? e.message ?? String(err)).split('\n')[0]!;
}

/** Creates / starts one container as the plan says, then waits until it answers; never throws. */
async function bringUp(ctx: Context, step: ContainerStep): Promise<HostOutcome> {
  try {
    return await bringUpOrThrow(ctx, step);
  } catch (err) {
    return { error: `container ${step.instance.name}: ${reason(err)}` };
  }
}

async function bringUpOrThrow(ctx: Context, step: ContainerStep): Promise<HostOutcome> {
  const { cluster } = ctx;
  const name = step.instance.name;
  const network = networkNameOf(cluster);
  let id = step.id;
  let status: HostReport['status'] = 'unchanged';
  try {
    // dockerode is loaded only for a container to create, start or unpause.
    const docker = step.action === 'create' || step.action === 'start' || step.action === 'unpause' ? await ctx.docker.dockerode() : undefined;
    if (step.action === 'create') {
      const container = await docker!.createContainer(containerSpec(cluster, step.instance, step.image));
      id = container.id;
      // Before the first boot, so sshd starts with the cluster's host keys.
      await container.putArchive(tarArchive(bootstrapEntries(ctx.hostKeys, ctx.clusterPublicKey)), { path: '/' });
      await container.start();
      status = 'created';
    } else if (step.action === 'start') {
      await docker!.getContainer(id!).start();
      status = 'started';
    } else if (step.action === 'unpause') {
      await docker!.getContainer(id!).unpause();
      status = 'started';
    }
  } catch (err) {
    return { error: `container ${name}: ${step.action} failed: ${reason(err)}` };
  }
  const address = step.instance.ipAddress ?? (await addressOf(ctx.docker, id!, network));
  if (!address) return { error: `container ${name}: no address on network ${network}` };
  // Deploy connects to it next anyway: a second SSH handshake per host here would only double the cost of a no-op run.
  if (step.action === 'keep' && ctx.trustRunning) return { address, report: { name, address, status } };
  const target: SshTarget = { name, address, port: 22, user: 'root' };
  const probe = () =>
    waitForSsh(target, { privateKey: ctx.privateKey, knownKeys: ctx.hostPublicKeys, command: READY_COMMAND, deadline: ctx.deadline });
  let outcome = await probe();
  if (!outcome.ok && (outcome.reason === 'hostkey-mismatch' || outcome.reason === 'auth') && step.action !== 'create') {
    // An existing host of this cluster with other keys (hostkeys/ or id_ regenerated): reinstall ours.
    const container = (await ctx.docker.dockerode()).getContainer(id!);
    await container.putArchive(tarArchive(hostKeyEntries(ctx.hostKeys)), { path: '/' });
    const r = await execIn(ctx.docker, id!, repairCommand(ctx.clusterPublicKey));
    if (r.exitCode !== 0) return { address, error: `container ${name}: reinstalling SSH keys failed: ${lastLines(r.output, 1)}` };
    status = 'repaired';
    outcome = await probe();
  }
  const problem = readyProblem(outcome);
  if (problem) return { address, error: `host ${name} ${address}: not ready: ${problem}` };
  const ok = outcome as Extract<ProbeOutcome, { ok: true }>;
  return {
    address,
    report: { name, address, status, fingerprint: fingerprint(ok.hostKey), readyMs: Date.now() - ctx.started },
    warning: ok.stdout.trim() === 'degraded' ? `host ${name}: systemd reports degraded (see systemctl --failed there)` : undefined,
  };
}

async function provision(cluster: Cluster, opts: ProvisionOptions = {}): Promise<ProvisionResult> {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const debianRepository = debianRepositoryFrom(process.env);
  if (!debianRepository) {
    throw new UsageError(
      `${DEBIAN_IMAGE_VARIABLE}=${JSON.stringify(process.env[DEBIAN_IMAGE_VARIABLE])}: use ${M1_REPOSITORIES.join(' or ')} (the image TPA's tpa/debian names run as), or unset it`,
    );
  }
  const docker = await connectEngine();
  const [containers, networks] = await Promise.all([observeContainers(docker), observeNetworks(docker)]);
  const outcome = planDocker(cluster, containers, networks, { debianRepository });
  if (!outcome.ok) {
    if (outcome.problems.length) {
      throw new ConfigError(outcome.problems.map((p) => ({ ...p, file: join(cluster.dir, p.file) })));
    }
    throw new RefusedError(outcome.refusals.join('\n'));
  }
  const plan = outcome.plan;
  const changed: string[] = [];
  const warnings = [...plan.warnings];
  for (const w of plan.warnings) progress(`warning: ${w}`);
  for (const n of plan.imageNotes) progress(n);

  for (const image of new Set(plan.containers.filter((s) => s.action === 'create').map((s) => s.image))) {
    if (await ensureImage(docker, image, progress)) changed.push(`image ${image} built`);
  }
  const key = await ensureClusterKey(cluster);
  if (key.changed) changed.push(`key ${key.privateKeyFile} generated`);
  const hostKeys = await ensureHostKeys(cluster);
  if (hostKeys.changed) changed.push('host keys generated in hostkeys/');
  if (await ensureGitignore(cluster.dir)) changed.push('.gitignore written');
  const hostPublicKeys = hostKeys.keys.map((k) => parsePublicKey(k.publicKey)!);

  const net = plan.network;
  if (net.action === 'create') {
    try {
      await (await docker.dockerode()).createNetwork({
        Name: net.name,
        Driver: 'bridge',
        CheckDuplicate: true,
        IPAM: { Driver: 'default', Config: [{ Subnet: net.subnet }] },
        Options: net.driverOptions,
        Labels: ownerLabels({ name: cluster.name, dir: cluster.dir }),
      });
    } catch (err) {
      // E.g. another network took the subnet since we looked.
      throw new HostError(`network ${net.name} ${net.subnet}: create failed: ${reason(err)}`);
    }
    changed.push(`network ${net.name} created`);
  }
  progress(`network ${net.name} ${net.subnet}: ${net.action === 'create' ? 'created' : 'unchanged'}`);

  const ctx: Context = {
    docker,
    cluster,
    privateKey: await readFile(key.privateKeyPath, 'utf8'),
    clusterPublicKey: key.publicKey,
    hostKeys: hostKeys.keys,
    hostPublicKeys,
    deadline: Date.now() + (opts.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS),
    started,
    // Keys made in this run differ from the ones the running containers hold: probe them, which reinstalls ours.
    trustRunning: (opts.trustRunning ?? false) && !key.changed && !hostKeys.changed,
  };
  const outcomes = await Promise.all(
    plan.containers.map(async (step) => {
      const o = await bringUp(ctx, step);
      if (o.report) progress(`host ${o.report.name} ${o.report.address}: ${o.report.status}${o.report.readyMs === undefined ? ' (running)' : ` (ready at ${seconds(o.report.readyMs)})`}`);
      if (o.error) progress(`host ${step.instance.name}: FAILED: ${o.error}`);
      if (o.warning) progress(`warning: ${o.warning}`);
      return o;
    }),
  );

  const hosts: HostReport[] = [];
  for (const o of outcomes) {
    if (o.report) {
      hosts.push(o.report);
      if (o.report.status !== 'unchanged') changed.push(`container ${o.report.name} ${o.report.status}`);
    }
    if (o.warning) warnings.push(o.warning);
  }
  const addressed = plan.containers.map((s, i) => ({ instance: s.instance, address: outcomes[i]!.address }));
  const inventory: Inventory = {
    cluster: cluster.name,
    platform: 'docker',
    privateKeyFile: key.privateKeyFile,
    knownHostsFile: KNOWN_HOSTS_FILE,
    hosts: addressed
      .filter((a): a is { instance: typeof a.instance; address: string } => a.address !== undefined)
      .map((a) => ({ name: a.instance.name, address: a.address, port: 22, user: 'root' })),
  };
  if (await updateKnownHosts(cluster.dir, inventory.hosts.map((h) => ({ address: h.address, port: h.port, keys: hostPublicKeys })))) {
    changed.push('known_hosts updated');
  }
  if (await writeInventory(cluster.dir, inventory)) changed.push(`${INVENTORY_FILE} written`);
  if (await writeSshConfig(cluster.dir, inventory)) changed.push('ssh_config written');
  progress(`host keys: ${hostPublicKeys.map(showKey).join(', ')}`);

  const errors = outcomes.flatMap((o) => (o.error ? [o.error] : []));
  if (errors.length) throw new HostError(errors.join('\n'));
  return { cluster: cluster.name, platform: 'docker', hosts, changed, warnings, inventory, durationMs: Date.now() - started };
}

interface Removal {
  containers: { id: string; name: string }[];
  network?: { id: string; name: string };
}

async function removalOf(docker: EngineClient, cluster: Cluster): Promise<Removal> {
  const owner = { name: cluster.name, dir: cluster.dir };
  const [containers, networks] = await Promise.all([observeContainers(docker), observeNetworks(docker)]);
  const netName = networkNameOf(cluster);
  const network = networks.find((n) => n.name === netName && ownership(n.labels, owner) === 'ours');
  return {
    containers: containers.filter((c) => ownership(c.labels, owner) === 'ours').map((c) => ({ id: c.id, name: c.name })),
    network: network && { id: network.id, name: network.name },
  };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function deprovisionPlan(cluster: Cluster): Promise<string[]> {
  const docker = await connectEngine();
  const r = await removalOf(docker, cluster);
  const items = r.containers.map((c) => `container ${c.name}`);
  if (r.network) items.push(`network ${r.network.name}`);
  if (await exists(join(cluster.dir, INVENTORY_FILE))) items.push(INVENTORY_FILE);
  return items;
}

async function deprovision(cluster: Cluster, opts: DeprovisionOptions = {}): Promise<DeprovisionResult> {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const docker = await connectEngine();
  const r = await removalOf(docker, cluster);
  if (r.network) {
    // Removing the network would fail half-way if something else is attached: refuse before touching anything.
    const info = await docker.get<{ Containers?: Record<string, { Name: string }> }>(apiPath(['networks', r.network.id]));
    const ours = new Set(r.containers.map((c) => c.id));
    const foreign = Object.entries(info.Containers ?? {}).filter(([id]) => !ours.has(id)).map(([, c]) => c.Name);
    if (foreign.length) {
      throw new RefusedError(
        `network ${r.network.name} has containers of something else attached (${foreign.join(', ')}): disconnect them first (docker network disconnect ${r.network.name} <container>)`,
      );
    }
  }
  const removed: string[] = [];
  const failed: string[] = [];
  const gone = (err: unknown) => (err as { statusCode?: number }).statusCode === 404;
  await Promise.all(
    r.containers.map(async (c) => {
      try {
        await (await docker.dockerode()).getContainer(c.id).remove({ force: true, v: true });
      } catch (err) {
        if (!gone(err)) return void failed.push(`container ${c.name}: remove failed: ${reason(err)}`);
      }
      removed.push(`container ${c.name}`);
      progress(`container ${c.name}: removed`);
    }),
  );
  if (r.network && failed.length === 0) {
    try {
      await (await docker.dockerode()).getNetwork(r.network.id).remove();
      removed.push(`network ${r.network.name}`);
      progress(`network ${r.network.name}: removed`);
    } catch (err) {
      if (!gone(err)) failed.push(`network ${r.network.name}: remove failed: ${reason(err)}`);
    }
  }
  if (failed.length) throw new HostError(failed.join('\n'));
  const inv = join(cluster.dir, INVENTORY_FILE);
  if (await exists(inv)) {
    await rm(inv, { force: true });
    removed.push(INVENTORY_FILE);
  }
  return { removed, durationMs: Date.now() - started };
}

async function crash(cluster: Cluster, host: string): Promise<void> {
  const docker = await connectEngine();
  const owner = { name: cluster.name, dir: cluster.dir };
  const c = (await observeContainers(docker)).find((x) => x.name === host && ownership(x.labels, owner) === 'ours');
  if (!c) throw new HostError(`${host}: no container of cluster ${cluster.name} by that name`);
  await (await docker.dockerode()).getContainer(c.id).kill({ signal: 'SIGKILL' });
}

async function removeHost(cluster: Cluster, host: string): Promise<'removed' | 'absent'> {
  const docker = await connectEngine();
  const owner = { name: cluster.name, dir: cluster.dir };
  const c = (await observeContainers(docker)).find((x) => x.name === host && ownership(x.labels, owner) === 'ours');
  if (!c) return 'absent';
  try {
    await (await docker.dockerode()).getContainer(c.id).remove({ force: true, v: true });
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode === 404) return 'absent';
    throw new HostError(`container ${host}: remove failed: ${reason(err)}`);
  }
  return 'removed';
}

async function containerOf(docker: EngineClient, cluster: Cluster, host: string): Promise<{ id: string; addresses: Record<string, string> }> {
  const owner = { name: cluster.name, dir: cluster.dir };
  const c = (await observeContainers(docker)).find((x) => x.name === host && ownership(x.labels, owner) === 'ours');
  if (!c) throw new HostError(`${host}: no container of cluster ${cluster.name} by that name`);
  return c;
}

async function attachHost(cluster: Cluster, host: string, network: string): Promise<string> {
  const docker = await connectEngine();
  const c = await containerOf(docker, cluster, host);
  if (!c.addresses[network]) {
    try {
      await (await docker.dockerode()).getNetwork(network).connect({ Container: c.id });
    } catch (err) {
      throw new HostError(`container ${host}: attaching it to network ${network} failed: ${reason(err)}`);
    }
  }
  const address = await addressOf(docker, c.id, network);
  if (!address) throw new HostError(`container ${host}: no address on network ${network} after attaching it`);
  return address;
}

async function detachHost(cluster: Cluster, host: string, network: string): Promise<void> {
  const docker = await connectEngine();
  const c = await containerOf(docker, cluster, host);
  if (!c.addresses[network]) return;
  try {
    await (await docker.dockerode()).getNetwork(network).disconnect({ Container: c.id, Force: true });
  } catch (err) {
    throw new HostError(`container ${host}: detaching it from network ${network} failed: ${reason(err)}`);
  }
}

export const dockerPlatform: Platform = { name: 'docker', provision, deprovisionPlan, deprovision, crash, removeHost, attachHost, detachHost };
