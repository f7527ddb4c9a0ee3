/**
 * Fixtures for suites that need real hosts: clusters provisioned by m1's own
 * platform code (docker), their bare twins (the same containers declared as
 * bare hosts), and the machine's OpenSSH client run against them with the
 * cluster key and strict known_hosts.
 *
 * A test cluster's directory is stable (<tmp>/m1-test-<name>), so a suite that
 * did not tear down (or was interrupted) finds its containers again and
 * provision only checks them: keep names unique per suite.
 */
import { execFile } from 'node:child_process';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Docker from 'dockerode';
import { parseDocument } from 'yaml';
import { configureClusterDir } from '../../src/architectures/configure.js';
import type { RawConfigureOptions } from '../../src/architectures/options.js';
import { quote } from '../../src/engine/shell/quote.js';
import { loadCluster } from '../../src/config/load.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { readInventory, type Inventory } from '../../src/inventory/inventory.js';
import { ensureClusterKey } from '../../src/platforms/clusterFiles.js';
import { LABEL_CLUSTER } from '../../src/platforms/docker/labels.js';
import { platformFor } from '../../src/platforms/index.js';
import type { ProvisionResult } from '../../src/platforms/platform.js';
import { testCluster, type TestClusterOptions, type TestInstance } from './testCluster.js';

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `command` on a host with the OpenSSH client, the cluster's key and
 * its known_hosts checked strictly (never prompts, never adds keys).
 */
export function sshRun(dir: string, inv: Inventory, host: string, command: string, input?: string): Promise<SshResult> {
  const h = inv.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`no host ${host} in ${dir}/inventory.json`);
  const args = [
    '-i', join(dir, inv.privateKeyFile),
    '-o', `UserKnownHostsFile=${join(dir, inv.knownHostsFile)}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'ConnectTimeout=10',
    '-p', String(h.port),
    `${h.user}@${h.address}`,
    command,
  ];
  return new Promise((resolve) => {
    const child = execFile('ssh', args, { timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 255) : 0;
      resolve({ code, stdout, stderr });
    });
    // ssh may exit (a host going away mid-test) before reading its input: the
    // broken pipe is that same failure, already reported through the exit code.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input ?? '');
  });
}

export interface ProvisionedTestCluster {
  cluster: Cluster;
  dir: string;
  inventory: Inventory;
  result: ProvisionResult;
  ssh(host: string, command: string, input?: string): Promise<SshResult>;
  /** Deprovisions (containers, network) and removes the directory. */
  teardown(): Promise<void>;
}

export type ProvisionTestClusterOptions = TestClusterOptions & {
  /** Start from nothing: deprovision leftovers of an earlier run first. */
  fresh?: boolean;
  progress?: (line: string) => void;
};

/** Provisions a docker test cluster with m1's platform code; reuses containers left by an earlier run. */
export async function provisionTestCluster(opts: ProvisionTestClusterOptions): Promise<ProvisionedTestCluster> {
  const cluster = testCluster({ platform: 'docker', ...opts });
  return provisionCluster(cluster, opts);
}

export async function provisionCluster(
  cluster: Cluster,
  opts: { fresh?: boolean; progress?: (line: string) => void } = {},
): Promise<ProvisionedTestCluster> {
  const platform = platformFor(cluster);
  if (opts.fresh) {
    await platform.deprovision(cluster);
    await rm(cluster.dir, { recursive: true, force: true });
  }
  const result = await platform.provision(cluster, { progress: opts.progress });
  const inventory = await readInventory(cluster.dir);
  return {
    cluster,
    dir: cluster.dir,
    inventory,
    result,
    ssh: (host, command, input) => sshRun(cluster.dir, inventory, host, command, input),
    teardown: async () => {
      await platform.deprovision(cluster);
      await rm(cluster.dir, { recursive: true, force: true });
    },
  };
}

/**
 * The same hosts declared as a bare cluster (their addresses in the config),
 * its own key generated and authorized for root (and for `sudoUser`, created
 * with passwordless sudo, when given). Not provisioned: call
 * platformFor(cluster).provision or provisionCluster.
 */
export async function bareTwinOf(
  source: ProvisionedTestCluster,
  name: string,
  opts: { sudoUser?: string; dir?: string } = {},
): Promise<Cluster> {
  const instances: TestInstance[] = source.cluster.instances.map((i, n) => ({
    name: i.name,
    roles: i.roles,
    upstream: i.upstream,
    backup: i.backup,
    ipAddress: source.inventory.hosts[n]!.address,
    vars: opts.sudoUser ? { ansible_user: opts.sudoUser } : {},
  }));
  const cluster = testCluster({ name, platform: 'bare', instances, dir: opts.dir ?? join(tmpdir(), `m1-test-${name}`) });
  const key = await ensureClusterKey(cluster);
  const user = opts.sudoUser;
  const script = [
    'set -e',
    'k=$(cat)',
    'grep -qxF "$k" /root/.ssh/authorized_keys || printf "%s\\n" "$k" >> /root/.ssh/authorized_keys',
    ...(user ? sudoUserScript(user) : []),
  ].join('\n');
  await Promise.all(
    source.inventory.hosts.map(async (h) => {
      const r = await source.ssh(h.name, script, key.publicKey + '\n');
      if (r.code !== 0) throw new Error(`bareTwinOf: authorizing ${name}'s key on ${h.name} failed: ${r.stderr}`);
    }),
  );
  return cluster;
}

/** Shell lines (run as root, the cluster's public key on stdin as `$k`) that make `user` a login with that key and passwordless sudo. */
function sudoUserScript(user: string): string[] {
  return [
    `id ${user} >/dev/null 2>&1 || useradd -m -s /bin/sh ${user}`,
    `install -d -m 700 -o ${user} -g ${user} /home/${user}/.ssh`,
    `grep -qxF "$k" /home/${user}/.ssh/authorized_keys 2>/dev/null || printf "%s\\n" "$k" >> /home/${user}/.ssh/authorized_keys`,
    `chown ${user}: /home/${user}/.ssh/authorized_keys && chmod 600 /home/${user}/.ssh/authorized_keys`,
    `echo '${user} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${user} && chmod 440 /etc/sudoers.d/${user}`,
  ];
}

/**
 * The hosts of a configured docker test cluster as a user meets cloud hosts:
 * a login `user` with passwordless sudo, root's SSH login refused
 * (`PermitRootLogin no`), in a cluster directory of their own
 * (<source's parent>/<name>, started afresh) whose config.yml is the
 * source's with `platform: bare` and `vars.ansible_user: <user>` in
 * instance_defaults and no docker keys. Provisioned (bare: host keys
 * recorded). Its ssh() logs in as `user` and runs the command as root
 * through `sudo -n sh -c`. The source's ssh() (root) stops working; its
 * teardown still removes the containers, this one's only the directory.
 */
export async function sudoBareTwinOf(source: ProvisionedTestCluster, name: string, user: string): Promise<ProvisionedTestCluster> {
  const dir = join(dirname(source.dir), name);
  await rm(dir, { recursive: true, force: true });
  const doc = parseDocument(await readFile(join(source.dir, 'config.yml'), 'utf8'));
  doc.set('cluster_name', name);
  doc.delete('docker_networks');
  doc.set('instance_defaults', doc.createNode({ platform: 'bare', vars: { ansible_user: user } }));
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'config.yml'), doc.toString());
  const { cluster } = await loadCluster(dir);
  const key = await ensureClusterKey(cluster);
  const script = [
    'set -e',
    'k=$(cat)',
    ...sudoUserScript(user),
    "printf 'PermitRootLogin no\\n' > /etc/ssh/sshd_config.d/00-m1-test-no-root.conf",
    'sshd -t && systemctl reload ssh',
  ].join('\n');
  await Promise.all(
    source.inventory.hosts.map(async (h) => {
      const r = await source.ssh(h.name, script, key.publicKey + '\n');
      if (r.code !== 0) throw new Error(`sudoBareTwinOf: preparing ${h.name} for ${user} failed: ${r.stderr}`);
      // sshd re-executes itself on the reload and refuses connections meanwhile: wait until it refuses root instead.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const root = await source.ssh(h.name, 'true');
        if (root.code === 255 && /Permission denied/.test(root.stderr)) break;
        if (Date.now() > deadline) throw new Error(`sudoBareTwinOf: ${h.name} still ${root.code === 0 ? 'lets root in' : `answers root with: ${root.stderr.trim()}`} 30 s after the reload`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }),
  );
  const twin = await provisionCluster(cluster);
  return { ...twin, ssh: (host, command, input) => sshRun(dir, twin.inventory, host, `sudo -n sh -c ${quote(command)}`, input) };
}

/** Removes every container and network labelled with a cluster whose name starts with prefix (leftovers). */
export async function removeTestClusters(prefix: string): Promise<string[]> {
  const docker = new Docker();
  const removed: string[] = [];
  const containers = await docker.listContainers({ all: true, filters: { label: [LABEL_CLUSTER] } });
  await Promise.all(
    containers
      .filter((c) => c.Labels[LABEL_CLUSTER]?.startsWith(prefix))
      .map(async (c) => {
        await docker.getContainer(c.Id).remove({ force: true, v: true });
        removed.push(`container ${c.Names[0]?.replace(/^\//, '')}`);
      }),
  );
  const networks = await docker.listNetworks({ filters: { label: [LABEL_CLUSTER] } });
  for (const n of networks.filter((x) => x.Labels?.[LABEL_CLUSTER]?.startsWith(prefix))) {
    await docker.getNetwork(n.Id).remove();
    removed.push(`network ${n.Name}`);
  }
  return removed;
}

export interface ConfiguredTestClusterOptions {
  /** Cluster name, also the directory's name: <root>/<name>. Start with your suite's prefix. */
  name: string;
  /** `m1 configure` options; architecture M1, platform docker and cluster-prefixed hostnames by default. */
  configure?: RawConfigureOptions;
  /** Rewrites the config.yml configure wrote (once, right after configure), e.g. to a layout configure does not make. */
  edit?: (configYml: string) => string;
  /** Replaces instance_defaults.image in config.yml, e.g. m1/debian-packages:bookworm (deploy's packages preinstalled). */
  image?: string;
  /** Parent directory; default <tmp>/m1-test-configured. */
  root?: string;
  /** Deprovision and delete an earlier run's directory first (else it is reused as is). */
  fresh?: boolean;
  progress?: (line: string) => void;
}

/**
 * A cluster made the way a user makes one: `m1 configure` (library call) then
 * provision. An existing directory is reused (config.yml not rewritten),
 * so reruns of a suite only check the containers.
 */
export async function provisionConfiguredCluster(opts: ConfiguredTestClusterOptions): Promise<ProvisionedTestCluster> {
  const dir = join(opts.root ?? join(tmpdir(), 'm1-test-configured'), opts.name);
  const configFile = join(dir, 'config.yml');
  const present = await access(configFile).then(
    () => true,
    () => false,
  );
  if (present && opts.fresh) {
    const { cluster } = await loadCluster(dir);
    await platformFor(cluster).deprovision(cluster);
    await rm(dir, { recursive: true, force: true });
  }
  if (!present || opts.fresh) {
    await configureClusterDir(dir, {
      architecture: 'M1',
      platform: 'docker',
      clusterPrefixedHostnames: true,
      git: false,
      ...(opts.configure ?? {}),
    });
    if (opts.edit) await writeFile(configFile, opts.edit(await readFile(configFile, 'utf8')));
  }
  if (opts.image) {
    const text = await readFile(configFile, 'utf8');
    // instance_defaults.image is the only two-space-indented image key configure writes.
    const next = text.replace(/^ {2}image: .*$/m, `  image: ${opts.image}`);
    if (next !== text) await writeFile(configFile, next);
  }
  const { cluster } = await loadCluster(dir);
  return provisionCluster(cluster, { progress: opts.progress });
}
