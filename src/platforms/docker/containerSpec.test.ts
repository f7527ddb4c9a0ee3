import { describe, expect, it } from 'vitest';
import { testCluster } from '../../../test/support/testCluster.js';
import { containerSpec, imageOf, networkNameOf } from './containerSpec.js';

describe('containerSpec', () => {
  const cluster = testCluster({ name: 'cs', dir: '/c/cs', subnet: '10.9.1.0/28' });
  const inst = cluster.instances[0]!;

  it('runs systemd with the testbed flags, never privileged', () => {
    const spec = containerSpec(cluster, inst);
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
    const spec = containerSpec(cluster, inst);
    expect(spec.Labels).toEqual({ 'm1.cluster': 'cs', 'm1.cluster-dir': '/c/cs', 'm1.instance': 'cs-1' });
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
});
