/**
 * Platform keys in config.yml: each docker key honoured (its value checked,
 * then parsed into the settings the docker platform applies) or rejected by
 * name with its fix; keys of another platform rejected.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError, formatProblem } from '../errors.js';
import { parseConfig } from './load.js';
import { dockerSettingsOf, parseSize, type DockerSettings } from './platformKeys.js';

// Line numbers matter below: line N is BASE.split('\n')[N - 1].
const BASE = `---
architecture: M1
cluster_name: pk
cluster_tags: {}

docker_networks:
- ipam_config:
  - subnet: 10.33.0.16/28
  name: pk

cluster_vars:
  failover_manager: repmgr
  postgres_version: '15'

locations:
- Name: main

instance_defaults:
  image: tpa/debian:12
  platform: docker
  vars:
    ansible_user: root

instances:
- Name: kaboom
  ip_address: 10.33.0.18
  location: main
  node: 1
  role:
  - primary
`;

function edit(from: string, to: string, text = BASE): string {
  if (!text.includes(from)) throw new Error(`BASE has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** Adds lines (indented as instance keys) after `node: 1`. */
const instance = (lines: string) => edit('  node: 1\n', `  node: 1\n${lines}`);
/** Adds lines (indented as instance_defaults keys) after `platform: docker`. */
const defaults = (lines: string) => edit('  platform: docker\n', `  platform: docker\n${lines}`);

function load(text: string) {
  return parseConfig(text, { file: 'config.yml', dir: '/clusters/pk' });
}

function problems(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

describe('docker keys: rejected by name, with the fix', () => {
  const cases: [string, string, string[]][] = [
    ['networks', instance('  networks:\n  - name: other\n'),
      ["config.yml:29 instances[0].networks: m1 attaches every host to the cluster's network (docker_networks) at its ip_address: remove networks"]],
    ['privileged: true', defaults('  privileged: true\n'),
      ['config.yml:21 instance_defaults.privileged: m1 never runs a host privileged (systemd needs only SYS_ADMIN and NET_ADMIN, which m1 adds): remove privileged, and add what a host needs with docker_cap_add']],
    ['env_file', instance('  env_file: /tmp/env\n'),
      ['config.yml:29 instances[0].env_file: m1 reads no env files for containers: list the variables under env instead']],
    ['local_source_directories', defaults('  local_source_directories:\n  - /src/postgres:/opt/postgres/src/postgres:ro\n'),
      ["config.yml:21 instance_defaults.local_source_directories: m1 installs from the distribution's packages and never builds from source: remove it"]],
    ['shared_ccache', instance('  shared_ccache: /srv/ccache\n'),
      ["config.yml:29 instances[0].shared_ccache: m1 installs from the distribution's packages and never builds from source: remove it"]],
    ['docker_images', edit('cluster_vars:\n', 'docker_images:\n  some/image:1:\n    context_path: images/x\n\ncluster_vars:\n'),
      [expect.stringMatching(/^config\.yml:11 docker_images: m1 builds only its own images \(m1\/debian:<release>, which it also runs for TPA's tpa\/debian:<version>\) and uses any other image the engine has: build yours with docker build, name it in image, and remove docker_images$/) as unknown as string]],
    ['a second network', edit('  name: pk\n', '  name: pk\n- name: pk2\n'),
      ['config.yml:10 docker_networks[1]: m1 puts a cluster on one network: remove the others']],
    ['enable_ipv6 on the network', edit('  name: pk\n', '  name: pk\n  enable_ipv6: true\n'),
      ["config.yml:10 docker_networks[0].enable_ipv6: m1 does not use enable_ipv6 for the cluster's network (it honours name, ipam_config's subnet and driver_options): remove it"]],
    ['a gateway in ipam_config', edit('  - subnet: 10.33.0.16/28\n', '  - subnet: 10.33.0.16/28\n    gateway: 10.33.0.30\n'),
      ['config.yml:9 docker_networks[0].ipam_config[0].gateway: m1 gives Docker only the subnet (the gateway is its first address, which no host may take): remove gateway']],
    ['aws keys on a docker cluster', instance('  ec2_ami: ami-1\n').replace('  - Name: main\n', '- Name: main\n').replace('- Name: main\n', '- Name: main\n  region: eu-west-1\n').replace('cluster_vars:\n', 'ec2_vpc: {}\ncluster_vars:\n'),
      ['config.yml:11 ec2_vpc: ec2_vpc is an aws key and this cluster\'s platform is docker: remove it',
        'config.yml:18 locations[0].region: region is an aws key and this cluster\'s platform is docker: remove it',
        'config.yml:31 instances[0].ec2_ami: ec2_ami is an aws key and this cluster\'s platform is docker: remove it']],
    ['docker keys on a bare cluster', edit('  platform: docker\n', '  platform: bare\n').replace('  node: 1\n', '  node: 1\n  memory: 2g\n'),
      ["config.yml:6 docker_networks: docker_networks is a docker key and this cluster's platform is bare: remove it",
        "config.yml:19 instance_defaults.image: image is a docker key and this cluster's platform is bare: remove it",
        "config.yml:29 instances[0].memory: memory is a docker key and this cluster's platform is bare: remove it"]],
  ];
  it.each(cases)('%s', (_what, text, expected) => {
    expect(problems(text)).toEqual(expected);
  });
});

describe('docker keys: honoured, their values checked', () => {
  const cases: [string, string, string][] = [
    ['memory', '  memory: lots\n', 'instances[0].memory: "lots" is not a size (bytes, or a number with B, K, M, G, T or P, e.g. 2g)'],
    ['restart_policy', '  restart_policy: sometimes\n', 'instances[0].restart_policy: "sometimes" is not a restart policy (no, always, on-failure, unless-stopped)'],
    ['env naming container', '  env:\n    container: lxc\n', 'instances[0].env: container: m1 sets container=docker itself (systemd needs it)'],
    ['env with a list value', '  env:\n    A: [1]\n', 'instances[0].env: A: expected a single value, found [1]'],
    ['env with a bad name', '  env:\n    1A: x\n', 'instances[0].env: "1A" is not a variable name'],
    ['a port range', '  published_ports:\n  - 8000-8010:80\n', 'instances[0].published_ports: item 0: "8000-8010:80" is not a published port ([address:][host port:]container port[/udp], one port each)'],
    ['an exposed port out of range', '  exposed_ports: [70000]\n', 'instances[0].exposed_ports: item 0: 70000 is not a port (5432, or 5432/tcp, 53/udp)'],
    ['a relative device', '  devices: [dev/fuse]\n', 'instances[0].devices: item 0: "dev/fuse" is not a device (/dev/x[:/dev/y[:rwm]])'],
    ['a ulimit', '  ulimits: [nofile]\n', 'instances[0].ulimits: item 0: "nofile" is not a ulimit (name:soft[:hard], e.g. nofile:1024:2048)'],
    ['dropping SYS_ADMIN', '  docker_cap_drop: [sys_admin]\n', 'instances[0].docker_cap_drop: SYS_ADMIN: systemd and sshd need SYS_ADMIN on every host; drop single capabilities other than SYS_ADMIN and NET_ADMIN'],
    ['dropping all', '  docker_cap_drop: [all]\n', 'instances[0].docker_cap_drop: ALL: systemd and sshd need more than m1 adds back on every host; drop single capabilities other than SYS_ADMIN and NET_ADMIN'],
    ['a capability with a space', '  docker_cap_add: [sys time]\n', 'instances[0].docker_cap_add: item 0: "sys time" is not a capability name (e.g. sys_time)'],
    ['an aws volume', '  volumes:\n  - device_name: /dev/sdf\n    volume_size: 16\n', 'instances[0].volumes: item 0: a volume on docker is a bind mount or named volume written source:target[:options] (this one is an aws volume)'],
    ['a label of m1', '  tags:\n    m1.cluster: other\n', "instances[0].tags: m1.cluster: labels starting with m1. are m1's own (they say which cluster a container belongs to)"],
  ];
  it.each(cases)('%s', (_what, lines, expected) => {
    expect(problems(instance(lines))).toEqual([`config.yml:29 ${expected}`]);
  });

  it("TPA's own docker config.yml has no problem", () => {
    expect(problems(BASE)).toEqual([]);
  });

  it("docker_networks' driver_options (TPA documents the MTU) reach the model", () => {
    const text = edit('  name: pk\n', "  name: pk\n  driver_options:\n    com.docker.network.driver.mtu: 1400\n");
    expect(load(text).cluster.dockerNetwork).toEqual({ name: 'pk', subnet: '10.33.0.16/28', driverOptions: { 'com.docker.network.driver.mtu': '1400' } });
    expect(problems(edit('  name: pk\n', '  name: pk\n  driver_options: [mtu]\n'))).toEqual([
      'config.yml:10 docker_networks[0].driver_options: expected a mapping of driver options to values, found ["mtu"]',
    ]);
  });
});

describe('dockerSettingsOf', () => {
  const settings = (text: string): DockerSettings => {
    const { cluster } = load(text);
    return dockerSettingsOf(cluster, cluster.instances[0]!);
  };

  it('gives the defaults when no key is set', () => {
    expect(settings(BASE)).toEqual({
      restartPolicy: 'unless-stopped',
      env: {},
      logOptions: {},
      exposedPorts: [],
      publishedPorts: [],
      devices: [],
      sysctls: {},
      ulimits: [],
      capAdd: [],
      capDrop: [],
      securityOpts: [],
      volumes: [],
      labels: {},
    });
  });

  it('parses every honoured key; the instance replaces instance_defaults key by key; labels are cluster_tags then tags', () => {
    const text = defaults('  memory: 1g\n  docker_cap_add: [sys_time]\n  env:\n    A: from-defaults\n  restart_policy: always\n')
      .replace('cluster_tags: {}\n', 'cluster_tags:\n  owner: team\n  env: test\n')
      .replace(
        '  node: 1\n',
        [
          '  node: 1',
          '  env:',
          '    TZ: UTC',
          '    LINES: 5',
          '  restart_policy: no',
          '  privileged: false',
          '  memory_reservation: 512MB',
          '  shm_size: 268435456',
          '  log_driver: json-file',
          '  log_options:',
          '    max-size: 10m',
          '  exposed_ports: [5432, 53/udp]',
          '  published_ports: ["6432", "16432:6432", "127.0.0.1::5432/tcp"]',
          '  devices: [/dev/fuse, "/dev/sda:/dev/xvda:r"]',
          '  sysctls:',
          '    net.core.somaxconn: 1024',
          '  ulimits: ["nofile:1024:2048", "core:-1"]',
          '  docker_cap_drop: [CAP_MKNOD]',
          '  docker_security_opts: [no-new-privileges]',
          '  volumes: ["/srv/backup:/var/lib/barman/backup:rw", "pgwal:/opt/postgres/wal"]',
          '  tags:',
          '    env: prod',
          '',
        ].join('\n'),
      );
    expect(problems(text)).toEqual([]);
    expect(settings(text)).toEqual({
      restartPolicy: 'no',
      memory: 2 ** 30,
      memoryReservation: 512 * 2 ** 20,
      shmSize: 268435456,
      env: { TZ: 'UTC', LINES: '5' },
      logDriver: 'json-file',
      logOptions: { 'max-size': '10m' },
      exposedPorts: ['5432/tcp', '53/udp'],
      publishedPorts: [{ port: '6432/tcp' }, { port: '6432/tcp', hostPort: '16432' }, { port: '5432/tcp', hostIp: '127.0.0.1' }],
      devices: [
        { pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', permissions: 'rwm' },
        { pathOnHost: '/dev/sda', pathInContainer: '/dev/xvda', permissions: 'r' },
      ],
      sysctls: { 'net.core.somaxconn': '1024' },
      ulimits: [
        { name: 'nofile', soft: 1024, hard: 2048 },
        { name: 'core', soft: -1, hard: -1 },
      ],
      capAdd: ['SYS_TIME'],
      capDrop: ['MKNOD'],
      securityOpts: ['no-new-privileges'],
      volumes: ['/srv/backup:/var/lib/barman/backup:rw', 'pgwal:/opt/postgres/wal'],
      labels: { owner: 'team', env: 'prod' },
    });
  });
});

describe('parseSize', () => {
  it.each([
    [1024, 1024],
    ['1024', 1024],
    ['2g', 2 * 2 ** 30],
    ['2G', 2 * 2 ** 30],
    ['512MB', 512 * 2 ** 20],
    ['1.5k', 1536],
    ['64 m', 64 * 2 ** 20],
  ])('%s -> %s bytes', (v, bytes) => {
    expect(parseSize(v)).toEqual({ value: bytes });
  });
  it.each([0, -1, 1.5, '', 'g', '2x', '2gib', true])('%s is refused', (v) => {
    expect(parseSize(v)).toHaveProperty('problem');
  });
});
