/**
 * The Engine API create options of a cluster host: systemd as PID 1 with the
 * capabilities it needs (never privileged), a static address on the cluster's
 * network, labels naming the cluster.
 */
import type { ContainerCreateOptions } from 'dockerode';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { DEBIAN_RELEASES } from '../../inventory/cluster.js';
import { LABEL_INSTANCE, ownerLabels } from './labels.js';

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

export function containerSpec(
  cluster: Pick<Cluster, 'name' | 'dir' | 'dockerNetwork' | 'instanceDefaults'>,
  instance: Pick<Instance, 'name' | 'ipAddress' | 'extra'>,
): ContainerCreateOptions {
  const network = networkNameOf(cluster);
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
  return {
    name: instance.name,
    Hostname: instance.name,
    Image: imageOf(cluster, instance),
    Env: ['container=docker'],
    StopSignal: 'SIGRTMIN+3',
    Labels: { ...ownerLabels({ name: cluster.name, dir: cluster.dir }), [LABEL_INSTANCE]: instance.name },
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
}
