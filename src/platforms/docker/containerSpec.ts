/**
 * The Engine API create options of a cluster host: systemd as PID 1 with the
 * capabilities it needs (never privileged), a static address on the cluster's
 * network, labels naming the cluster, and what the instance's docker keys
 * ask for (memory, env, ports, capabilities...: config/platformKeys.ts),
 * with a label holding a digest of those settings, so a later provision can
 * tell that config.yml asks for others than the container was made with.
 */
import { createHash } from 'node:crypto';
import type { ContainerCreateOptions } from 'dockerode';
import { dockerSettingsOf, type DockerSettings } from '../../config/platformKeys.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { DEBIAN_RELEASES } from '../../inventory/cluster.js';
import { LABEL_INSTANCE, LABEL_SETTINGS, ownerLabels } from './labels.js';

export const DEFAULT_IMAGE = `m1/debian:${DEBIAN_RELEASES[12]}`;

/** instance `image`, else instance_defaults `image`, else m1/debian:bookworm. */
export function imageOf(cluster: Pick<Cluster, 'instanceDefaults'>, instance: Pick<Instance, 'extra'>): string {
  const own = instance.extra['image'];
  if (typeof own === 'string' && own) return own;
  const def = cluster.instanceDefaults['image'];
  if (typeof def === 'string' && def) return def;
  return DEFAULT_IMAGE;
}

/** docker_networks[0].name, else the cluster name (TPA names the network after the cluster). */
export function networkNameOf(cluster: Pick<Cluster, 'name' | 'dockerNetwork'>): string {
  return cluster.dockerNetwork?.name ?? cluster.name;
}

/** HostConfig keys the Engine API has (API 1.41) that @types/dockerode lacks. */
type HostConfig = NonNullable<ContainerCreateOptions['HostConfig']> & { CgroupnsMode?: 'host' | 'private' };

/** A short digest of an instance's docker settings (the same settings give the same digest). */
export function settingsDigest(settings: DockerSettings): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v !== null && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => [k, canonical(x)]))
        : v;
  return createHash('sha256').update(JSON.stringify(canonical(settings))).digest('hex').slice(0, 16);
}

/** The settings' part of the create options. */
function applySettings(s: DockerSettings, config: ContainerCreateOptions, host: HostConfig): void {
  host.CapAdd = [...new Set([...host.CapAdd!, ...s.capAdd])];
  if (s.capDrop.length) host.CapDrop = s.capDrop;
  host.SecurityOpt = [...host.SecurityOpt!, ...s.securityOpts];
  host.RestartPolicy = { Name: s.restartPolicy };
  if (s.memory !== undefined) host.Memory = s.memory;
  if (s.memoryReservation !== undefined) host.MemoryReservation = s.memoryReservation;
  if (s.shmSize !== undefined) host.ShmSize = s.shmSize;
  config.Env = [...config.Env!, ...Object.entries(s.env).map(([k, v]) => `${k}=${v}`)];
  if (s.logDriver !== undefined || Object.keys(s.logOptions).length) host.LogConfig = { Type: s.logDriver ?? '', Config: s.logOptions };
  const exposed = [...s.exposedPorts, ...s.publishedPorts.map((p) => p.port)];
  if (exposed.length) config.ExposedPorts = Object.fromEntries(exposed.map((p) => [p, {}]));
  if (s.publishedPorts.length) {
    const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
    for (const p of s.publishedPorts) (bindings[p.port] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ?? '' });
    host.PortBindings = bindings;
  }
  if (s.devices.length) host.Devices = s.devices.map((d) => ({ PathOnHost: d.pathOnHost, PathInContainer: d.pathInContainer, CgroupPermissions: d.permissions }));
  if (Object.keys(s.sysctls).length) host.Sysctls = s.sysctls;
  if (s.ulimits.length) host.Ulimits = s.ulimits.map((u) => ({ Name: u.name, Soft: u.soft, Hard: u.hard }));
  host.Binds = [...host.Binds!, ...s.volumes];
}

/** `image` is what the instance runs (TPA's Debian names already mapped: see imageName.ts). */
export function containerSpec(
  cluster: Pick<Cluster, 'name' | 'dir' | 'dockerNetwork' | 'instanceDefaults' | 'clusterTags'>,
  instance: Pick<Instance, 'name' | 'ipAddress' | 'extra'>,
  image: string,
): ContainerCreateOptions {
  const network = networkNameOf(cluster);
  const settings = dockerSettingsOf(cluster, instance);
  const hostConfig: HostConfig = {
    CapAdd: ['SYS_ADMIN', 'NET_ADMIN'],
    SecurityOpt: ['seccomp=unconfined', 'apparmor=unconfined'],
    CgroupnsMode: 'host',
    Binds: ['/sys/fs/cgroup:/sys/fs/cgroup:rw'],
    Tmpfs: { '/run': '', '/run/lock': '' },
    RestartPolicy: { Name: 'unless-stopped' },
    NetworkMode: network,
    Privileged: false,
  };
  const config: ContainerCreateOptions = {
    name: instance.name,
    Hostname: instance.name,
    Image: image,
    Env: ['container=docker'],
    StopSignal: 'SIGRTMIN+3',
    Labels: {
      ...settings.labels,
      ...ownerLabels({ name: cluster.name, dir: cluster.dir }),
      [LABEL_INSTANCE]: instance.name,
      [LABEL_SETTINGS]: settingsDigest(settings),
    },
    HostConfig: hostConfig,
    NetworkingConfig: {
      EndpointsConfig: {
        [network]: {
          ...(instance.ipAddress ? { IPAMConfig: { IPv4Address: instance.ipAddress } } : {}),
          Aliases: [instance.name],
        },
      },
    },
  };
  applySettings(settings, config, hostConfig);
  return config;
}
