/**
 * m1 provision / deprovision on the docker platform, against the real engine.
 * Cluster names start with m1prov; leftovers of an interrupted run are removed first.
 */
import { execFileSync } from 'node:child_process';
import { statSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exitCodes.js';
import { numberToIp } from '../../../src/inventory/network.js';
import { parseCidr } from '../../../src/platforms/docker/cidr.js';
import { platformFor } from '../../../src/platforms/index.js';
import { m1Error } from '../../support/errors.js';
import { provisionCluster, provisionTestCluster, removeTestClusters, sshRun, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { addressIn, subnetFor, testCluster } from '../../support/testCluster.js';

const docker = new Docker();
const lines: string[] = [];
const progress = (l: string) => lines.push(l);

async function clusterObjects(name: string) {
  const containers = await docker.listContainers({ all: true, filters: { label: [`m1.cluster=${name}`] } });
  const networks = await docker.listNetworks({ filters: { label: [`m1.cluster=${name}`] } });
  return { containers: containers.map((c) => c.Names[0]!.slice(1)).sort(), networks: networks.map((n) => n.Name) };
}

describe('docker platform', () => {
  let main: ProvisionedTestCluster;
  let other: ProvisionedTestCluster;

  beforeAll(async () => {
    await removeTestClusters('m1prov');
    for (const n of ['m1provx-foreign', 'm1provr']) await docker.getNetwork(n).remove().catch(() => undefined);
    await docker.getContainer('m1provr-2').remove({ force: true }).catch(() => undefined);
    await docker.getContainer('m1provx-intruder').remove({ force: true }).catch(() => undefined);
  });
  afterAll(async () => {
    await removeTestClusters('m1prov');
    if (main) await rm(main.dir, { recursive: true, force: true });
    await docker.getNetwork('m1provx-foreign').remove().catch(() => undefined);
    await docker.getNetwork('m1provr').remove().catch(() => undefined);
    await docker.getContainer('m1provr-2').remove({ force: true }).catch(() => undefined);
  });

  it('provisions a 3-instance cluster: network, containers, keys, inventory, strict SSH', async () => {
    const started = Date.now();
    [main, other] = await Promise.all([
      provisionTestCluster({ name: 'm1provd', fresh: true, progress }),
      provisionTestCluster({ name: 'm1provo', count: 1, fresh: true }),
    ]);
    const seconds = (Date.now() - started) / 1000;
    console.log(`provision of 3 + 1 containers (image present): ${seconds.toFixed(1)} s; m1provd alone reported ${main.result.durationMs} ms`);
    const { cluster, dir, inventory } = main;
    const subnet = subnetFor('m1provd');

    // Network: named after the cluster, the config's subnet, labelled.
    const net = await docker.getNetwork('m1provd').inspect();
    expect(net.IPAM.Config[0].Subnet).toBe(subnet);
    expect(net.Labels).toMatchObject({ 'm1.cluster': 'm1provd', 'm1.cluster-dir': dir });

    // One container per instance: name = hostname, static address, labels, restart policy, never privileged.
    for (const [n, inst] of cluster.instances.entries()) {
      const info = await docker.getContainer(inst.name).inspect();
      expect(info.State.Running).toBe(true);
      expect(info.Config.Hostname).toBe(inst.name);
      expect(info.NetworkSettings.Networks['m1provd']!.IPAddress).toBe(addressIn(subnet, n));
      expect(info.Config.Labels).toMatchObject({ 'm1.cluster': 'm1provd', 'm1.cluster-dir': dir, 'm1.instance': inst.name });
      expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
      expect(info.HostConfig.Privileged).toBe(false);
    }
    expect(main.result.changed).toEqual(expect.arrayContaining(['network m1provd created', 'container m1provd-1 created', 'container m1provd-3 created']));
    expect(main.result.hosts.map((h) => h.status)).toEqual(['created', 'created', 'created']);

    // Cluster directory: key 0600, host keys, known_hosts, inventory, .gitignore.
    expect(statSync(join(dir, 'id_m1provd')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'hostkeys/ssh_host_ed25519_key')).mode & 0o777).toBe(0o600);
    expect(inventory).toEqual({
      cluster: 'm1provd',
      platform: 'docker',
      privateKeyFile: 'id_m1provd',
      knownHostsFile: 'known_hosts',
      hosts: cluster.instances.map((i, n) => ({ name: i.name, address: addressIn(subnet, n), port: 22, user: 'root' })),
    });
    const gitignore = readFileSync(join(dir, '.gitignore'), 'utf8').split('\n');
    expect(gitignore).toEqual(expect.arrayContaining(['/id_*', '/hostkeys/', '/secrets/', '*.lock']));

    // The machine's OpenSSH client, cluster key, strict known_hosts: every host is the right one and booted.
    const answers = await Promise.all(inventory.hosts.map((h) => main.ssh(h.name, 'hostname; systemctl is-system-running; cat /etc/ssh/ssh_host_ed25519_key.pub')));
    const hostPub = readFileSync(join(dir, 'hostkeys/ssh_host_ed25519_key.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    answers.forEach((a, n) => {
      expect(a.code, a.stderr).toBe(0);
      const [hostname, state, pub] = a.stdout.trim().split('\n');
      expect(hostname).toBe(cluster.instances[n]!.name);
      expect(state).toBe('running');
      expect(pub).toContain(hostPub);
    });
    // Fingerprints printed match ssh-keygen's.
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'hostkeys/ssh_host_ed25519_key.pub')]).toString().split(' ')[1]!;
    expect(lines.find((l) => l.startsWith('host keys:'))).toContain(fp);
    expect(lines.filter((l) => /^host m1provd-\d .*: created/.test(l))).toHaveLength(3);

    // Debian's archive is reachable from inside (bridge with NAT).
    const apt = await main.ssh('m1provd-2', 'timeout 120 apt-get update -qq && echo apt-ok');
    expect(apt.stdout, apt.stderr).toContain('apt-ok');
  });

  it('a second provision changes nothing', async () => {
    const before = await docker.getContainer('m1provd-1').inspect();
    const known = readFileSync(join(main.dir, 'known_hosts'), 'utf8');
    const r = await platformFor(main.cluster).provision(main.cluster);
    expect(r.changed).toEqual([]);
    expect(r.hosts.map((h) => h.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    console.log(`converged provision of 3 containers: ${r.durationMs} ms`);
    const after = await docker.getContainer('m1provd-1').inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(readFileSync(join(main.dir, 'known_hosts'), 'utf8')).toBe(known);
  });

  it('reinstalls the cluster keys on a host of the cluster whose sshd lost them', async () => {
    const id = (await docker.getContainer('m1provd-3').inspect()).Id;
    const wipe = await docker.getContainer(id).exec({
      Cmd: ['sh', '-c', 'rm -f /etc/ssh/ssh_host_* && ssh-keygen -q -A && : > /root/.ssh/authorized_keys && systemctl restart ssh'],
    });
    await wipe.start({});
    for (let i = 0; i < 50 && (await wipe.inspect()).Running; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await main.ssh('m1provd-3', 'true')).code).not.toBe(0);
    const r = await platformFor(main.cluster).provision(main.cluster);
    expect(r.hosts.map((h) => h.status)).toEqual(['unchanged', 'unchanged', 'repaired']);
    expect(r.changed).toEqual(['container m1provd-3 repaired']);
    expect((await main.ssh('m1provd-3', 'hostname')).stdout.trim()).toBe('m1provd-3');
  });

  it('an added instance gets its container, a stopped one is started, the rest unchanged', async () => {
    await docker.getContainer('m1provd-2').stop({ t: 5 });
    const grown = testCluster({ name: 'm1provd', dir: main.dir, count: 4 });
    const r = await platformFor(grown).provision(grown);
    expect(r.hosts.map((h) => [h.name, h.status])).toEqual([
      ['m1provd-1', 'unchanged'],
      ['m1provd-2', 'started'],
      ['m1provd-3', 'unchanged'],
      ['m1provd-4', 'created'],
    ]);
    expect(r.changed).toEqual(expect.arrayContaining(['container m1provd-2 started', 'container m1provd-4 created']));
    const inv = JSON.parse(readFileSync(join(main.dir, 'inventory.json'), 'utf8'));
    expect(inv.hosts).toHaveLength(4);
    const a = await sshRun(main.dir, inv, 'm1provd-4', 'hostname');
    expect(a.stdout.trim()).toBe('m1provd-4');
    main = { ...main, cluster: grown, inventory: inv };
  });

  it('refuses (exit 3) a container of the same name that is not this cluster, changing nothing', async () => {
    await docker.createContainer({ name: 'm1provr-2', Image: 'm1/debian:bookworm', Cmd: ['sleep', '600'] });
    const c = testCluster({ name: 'm1provr' });
    const err = await m1Error(platformFor(c).provision(c));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toMatch(/^container m1provr-2 already exists and it is not labelled as an m1 cluster/);
    expect(await clusterObjects('m1provr')).toEqual({ containers: [], networks: [] });

    // The same cluster name from another directory does not adopt m1provd's containers.
    const twin = testCluster({ name: 'm1provd', dir: `${main.dir}-elsewhere`, subnet: subnetFor('m1provd') });
    const err2 = await m1Error(platformFor(twin).provision(twin));
    expect(err2.exitCode).toBe(ExitCode.Refused);
    expect(err2.message).toContain(`belongs to m1 cluster m1provd (${main.dir})`);
  });

  it('refuses (exit 3) a foreign network overlapping the subnet or bearing the name, changing nothing', async () => {
    await docker.getContainer('m1provr-2').remove({ force: true });
    const c = testCluster({ name: 'm1provr' });
    // The /27 holding the cluster's /28: a wider foreign network over the same addresses.
    const wider = parseCidr(subnetFor('m1provr').replace(/\/28$/, '/27'))!;
    await docker.createNetwork({ Name: 'm1provx-foreign', IPAM: { Config: [{ Subnet: `${numberToIp(wider.first)}/27` }] } });
    const err = await m1Error(platformFor(c).provision(c));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toMatch(/network m1provx-foreign \(.*\/27\) overlaps the cluster's subnet/);
    expect(await clusterObjects('m1provr')).toEqual({ containers: [], networks: [] });
    expect((await docker.listContainers({ all: true, filters: { name: ['m1provr-'] } })).length).toBe(0);
    await docker.getNetwork('m1provx-foreign').remove();

    await docker.createNetwork({ Name: 'm1provr', IPAM: { Config: [{ Subnet: '10.201.7.0/28' }] } });
    const err2 = await m1Error(platformFor(c).provision(c));
    expect(err2.exitCode).toBe(ExitCode.Refused);
    expect(err2.message).toMatch(/^network m1provr already exists and it is not labelled/);
    expect((await docker.listContainers({ all: true, filters: { name: ['m1provr-'] } })).length).toBe(0);
    await docker.getNetwork('m1provr').remove();
  });

  it('an image m1 cannot build is a bad input (exit 2), nothing created', async () => {
    const c = testCluster({ name: 'm1provi', image: 'm1/nosuch:1' });
    const err = await m1Error(platformFor(c).provision(c));
    expect(err.exitCode).toBe(ExitCode.BadInput);
    expect(err.message).toMatch(/^config.yml: image m1\/nosuch:1 is not on this engine and m1 builds only m1\/debian/);
    expect(await clusterObjects('m1provi')).toEqual({ containers: [], networks: [] });
  });

  it('deprovision refuses (exit 3) while something else is attached to the network, removing nothing', async () => {
    const intruder = await docker.createContainer({
      name: 'm1provx-intruder',
      Image: 'm1/debian:bookworm',
      Cmd: ['sleep', '600'],
      HostConfig: { NetworkMode: 'm1provd' },
    });
    try {
      await intruder.start();
      const err = await m1Error(platformFor(main.cluster).deprovision(main.cluster));
      expect(err.exitCode).toBe(ExitCode.Refused);
      expect(err.message).toMatch(/^network m1provd has containers of something else attached \(m1provx-intruder\)/);
      expect((await clusterObjects('m1provd')).containers).toHaveLength(4);
    } finally {
      await intruder.remove({ force: true });
    }
  });

  it("honours the docker keys (TPA's names) and maps TPA's image: what the engine was given, and the host boots and answers", async () => {
    const base = testCluster({ name: 'm1provk', count: 1, image: 'tpa/debian:12' });
    const c = {
      ...base,
      clusterTags: { owner: 'm1-tests' },
      dockerNetwork: { ...base.dockerNetwork!, driverOptions: { 'com.docker.network.driver.mtu': '1400' } },
      instances: base.instances.map((i) => ({
        ...i,
        extra: {
          memory: '768m',
          shm_size: '128m',
          restart_policy: 'on-failure',
          env: { M1_TEST: 'yes' },
          log_driver: 'json-file',
          log_options: { 'max-size': '5m' },
          published_ports: ['127.0.0.1::5432'],
          sysctls: { 'net.core.somaxconn': 2048 },
          ulimits: ['nofile:4096:8192'],
          docker_cap_add: ['sys_time'],
          docker_cap_drop: ['mknod'],
          tags: { purpose: 'keys' },
        },
      })),
    };
    const notes: string[] = [];
    const p = await provisionCluster(c, { fresh: true, progress: (l) => notes.push(l) });
    try {
      expect(notes.filter((l) => l.startsWith('image tpa/debian:12'))).toEqual(["image tpa/debian:12 is TPA's Debian 12: m1 runs m1/debian:bookworm for it (built from Debian's archive)"]);
      const info = await docker.getContainer('m1provk-1').inspect();
      expect(info.Config.Image).toBe('m1/debian:bookworm');
      expect(info.HostConfig.Memory).toBe(768 * 2 ** 20);
      expect(info.HostConfig.ShmSize).toBe(128 * 2 ** 20);
      expect(info.HostConfig.RestartPolicy?.Name).toBe('on-failure');
      expect(info.Config.Env).toEqual(expect.arrayContaining(['container=docker', 'M1_TEST=yes']));
      expect(info.HostConfig.LogConfig).toEqual({ Type: 'json-file', Config: { 'max-size': '5m' } });
      expect(info.HostConfig.PortBindings).toEqual({ '5432/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] });
      expect(info.HostConfig.Sysctls).toEqual({ 'net.core.somaxconn': '2048' });
      expect(info.HostConfig.Ulimits).toEqual([{ Name: 'nofile', Soft: 4096, Hard: 8192 }]);
      expect(info.HostConfig.CapAdd).toEqual(['SYS_ADMIN', 'NET_ADMIN', 'SYS_TIME']);
      expect(info.HostConfig.CapDrop).toEqual(['MKNOD']);
      expect(info.HostConfig.Privileged).toBe(false);
      expect(info.Config.Labels).toMatchObject({ owner: 'm1-tests', purpose: 'keys', 'm1.cluster': 'm1provk' });
      expect((await docker.getNetwork('m1provk').inspect()).Options).toEqual({ 'com.docker.network.driver.mtu': '1400' });
      // systemd raises its own soft limit to the hard one: the hard limit is the ulimit's
      const inside = await p.ssh('m1provk-1', "systemctl is-system-running; cat /proc/sys/net/core/somaxconn; awk '/open files/ {print $5}' /proc/1/limits; ip -o link show eth0");
      expect(inside.stdout.split('\n').slice(0, 3)).toEqual(['running', '2048', '8192']);
      expect(inside.stdout).toMatch(/mtu 1400/);
      // the same settings again: nothing to change, no warning
      const again = await platformFor(c).provision(c);
      expect(again.changed).toEqual([]);
      expect(again.warnings).toEqual([]);
      // other settings: kept as made, and said
      const more = { ...c, instances: c.instances.map((i) => ({ ...i, extra: { ...i.extra, memory: '1g' } })) };
      const changed = await platformFor(more).provision(more);
      expect(changed.warnings).toEqual(['container m1provk-1 was created with other docker settings than config.yml gives it now: kept (deprovision and provision again to apply them)']);
    } finally {
      await p.teardown();
    }
  });

  it('deprovision removes this cluster only', async () => {
    const platform = platformFor(main.cluster);
    const plan = await platform.deprovisionPlan(main.cluster);
    expect(plan).toEqual(expect.arrayContaining(['container m1provd-1', 'container m1provd-4', 'network m1provd', 'inventory.json']));
    const r = await platform.deprovision(main.cluster);
    expect(r.removed.sort()).toEqual([...plan].sort());
    expect(await clusterObjects('m1provd')).toEqual({ containers: [], networks: [] });
    // The other cluster is untouched and still answers.
    expect(await clusterObjects('m1provo')).toEqual({ containers: ['m1provo-1'], networks: ['m1provo'] });
    expect((await other.ssh('m1provo-1', 'true')).code).toBe(0);
    // Keys stay: a later provision reuses them.
    expect(statSync(join(main.dir, 'id_m1provd')).isFile()).toBe(true);
    expect(await platform.deprovisionPlan(main.cluster)).toEqual([]);
    await other.teardown();
    expect(await clusterObjects('m1provo')).toEqual({ containers: [], networks: [] });
  });

  it('points at docker/setup-engine.sh when no engine answers (exit 1)', async () => {
    const saved = process.env['DOCKER_HOST'];
    process.env['DOCKER_HOST'] = 'unix:///nonexistent/docker.sock';
    try {
      const c = testCluster({ name: 'm1provn' });
      const err = await m1Error(platformFor(c).provision(c));
      expect(err.exitCode).toBe(ExitCode.Failed);
      expect(err.message).toMatch(/^no Docker engine answers at unix:\/\/\/nonexistent\/docker\.sock .*docker\/setup-engine\.sh/);
      expect(err.message).not.toContain('\n');
    } finally {
      if (saved === undefined) delete process.env['DOCKER_HOST'];
      else process.env['DOCKER_HOST'] = saved;
    }
  });
});
