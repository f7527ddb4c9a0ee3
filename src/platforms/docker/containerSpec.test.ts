import { describe, expect, it } from 'vitest';
import { testCluster } from '../../../test/support/testCluster.js';
import { containerSpec, imageOf, networkNameOf, settingsDigest } from './containerSpec.js';
import { dockerSettingsOf } from '../../config/platformKeys.js';

describe('containerSpec', () => {
  const cluster = testCluster({ name: 'cs', dir: '/c/cs', subnet: '10.9.1.0/28' });
  const inst = cluster.instances[0]!;

  it('runs systemd with the testbed flags, never privileged', () => {
    const spec = containerSpec(cluster, inst, 'm1/debian:bookworm');
    const hc = spec.HostConfig as Record<string, unknown>;
    expect(spec.name).toBe('cs-1');
    expect(spec.Hostname).toBe('cs-1');
    expect(spec.Env).toEqual(['container=docker']);
    expect(spec.StopSignal).toBe('SIGRTMIN+3');
    expect(hc['CapAdd']).toEqual(['SYS_ADMIN', 'NET_ADMIN']);
    expect(hc['SecurityOpt']).toEqual(['seccomp=unconfined', 'apparmor=unconfined']);
    expect(hc['CgroupnsMode']).toBe('host');
    expect(hc['Binds']).toEqual(['/sys/fs/cgroup:/sys/fs/cgroup:rw']);
    expect(hc['Tmpfs']).toEqual({ '/run': '', '/run/lock': '' });
    expect(hc['RestartPolicy']).toEqual({ Name: 'unless-stopped' });
    expect(hc['Privileged']).toBe(false);
  });

  it('puts the container on the cluster network at its address, labelled', () => {
    const spec = containerSpec(cluster, inst, 'm1/debian:bookworm');
    expect(spec.Labels).toEqual({ 'm1.cluster': 'cs', 'm1.cluster-dir': '/c/cs', 'm1.instance': 'cs-1', 'm1.settings': settingsDigest(dockerSettingsOf(cluster, inst)) });
    expect(spec.NetworkingConfig?.EndpointsConfig?.['cs']).toEqual({ IPAMConfig: { IPv4Address: '10.9.1.2' }, Aliases: ['cs-1'] });
  });

  it('takes the image from the instance, then instance_defaults, then m1/debian:bookworm', () => {
    expect(imageOf(cluster, inst)).toBe('m1/debian:bookworm');
    expect(imageOf({ instanceDefaults: { image: 'm1/debian:trixie' } }, { extra: {} })).toBe('m1/debian:trixie');
    expect(imageOf({ instanceDefaults: { image: 'm1/debian:trixie' } }, { extra: { image: 'm1/debian:bullseye' } })).toBe('m1/debian:bullseye');
    expect(imageOf({ instanceDefaults: {} }, { extra: {} })).toBe('m1/debian:bookworm');
  });

  it('names the network from docker_networks, else after the cluster', () => {
    expect(networkNameOf({ name: 'x', dockerNetwork: { name: 'net1', subnet: '10.0.0.0/28' } })).toBe('net1');
    expect(networkNameOf({ name: 'x' })).toBe('x');
  });

  it("adds what the instance's docker keys ask for to m1's own options, never taking them away", () => {
    const extra = {
      memory: '1g',
      memory_reservation: '256m',
      shm_size: '64m',
      restart_policy: 'always',
      env: { TZ: 'UTC' },
      log_driver: 'json-file',
      log_options: { 'max-size': '10m' },
      exposed_ports: ['9100'],
      published_ports: ['127.0.0.1:16432:6432', '5432'],
      devices: ['/dev/fuse'],
      sysctls: { 'net.core.somaxconn': 1024 },
      ulimits: ['nofile:4096:8192'],
      docker_cap_add: ['sys_time', 'SYS_ADMIN'],
      docker_cap_drop: ['mknod'],
      docker_security_opts: ['no-new-privileges'],
      volumes: ['/srv/x:/x:ro'],
      tags: { team: 'db' },
    };
    const c = { ...cluster, clusterTags: { owner: 'ops', team: 'all' } };
    const spec = containerSpec(c, { ...inst, extra }, 'm1/debian:bookworm');
    const hc = spec.HostConfig as Record<string, unknown>;
    expect(hc['CapAdd']).toEqual(['SYS_ADMIN', 'NET_ADMIN', 'SYS_TIME']);
    expect(hc['CapDrop']).toEqual(['MKNOD']);
    expect(hc['SecurityOpt']).toEqual(['seccomp=unconfined', 'apparmor=unconfined', 'no-new-privileges']);
    expect(hc['RestartPolicy']).toEqual({ Name: 'always' });
    expect([hc['Memory'], hc['MemoryReservation'], hc['ShmSize']]).toEqual([2 ** 30, 256 * 2 ** 20, 64 * 2 ** 20]);
    expect(spec.Env).toEqual(['container=docker', 'TZ=UTC']);
    expect(hc['LogConfig']).toEqual({ Type: 'json-file', Config: { 'max-size': '10m' } });
    expect(spec.ExposedPorts).toEqual({ '9100/tcp': {}, '6432/tcp': {}, '5432/tcp': {} });
    expect(hc['PortBindings']).toEqual({ '6432/tcp': [{ HostIp: '127.0.0.1', HostPort: '16432' }], '5432/tcp': [{ HostIp: '', HostPort: '' }] });
    expect(hc['Devices']).toEqual([{ PathOnHost: '/dev/fuse', PathInContainer: '/dev/fuse', CgroupPermissions: 'rwm' }]);
    expect(hc['Sysctls']).toEqual({ 'net.core.somaxconn': '1024' });
    expect(hc['Ulimits']).toEqual([{ Name: 'nofile', Soft: 4096, Hard: 8192 }]);
    expect(hc['Binds']).toEqual(['/sys/fs/cgroup:/sys/fs/cgroup:rw', '/srv/x:/x:ro']);
    expect(hc['Privileged']).toBe(false);
    expect(spec.Labels).toMatchObject({ owner: 'ops', team: 'db', 'm1.cluster': 'cs', 'm1.instance': 'cs-1' });
    // the settings' digest changes with them, and only with them
    expect(spec.Labels!['m1.settings']).not.toBe(containerSpec(cluster, inst, 'm1/debian:bookworm').Labels!['m1.settings']);
    expect(spec.Labels!['m1.settings']).toBe(containerSpec(c, { ...inst, extra: { ...extra } }, 'm1/debian:trixie').Labels!['m1.settings']);
  });
});
