/**
 * The config.yml loader: the model it builds, and every problem it reports
 * with file, line, YAML path and (where sensible) a suggestion.
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { ConfigError, formatProblem } from '../../../src/errors.js';

// Line numbers matter below: line N of BASE is BASE.split('\n')[N - 1].
const BASE = `---
architecture: M1
cluster_name: test
cluster_tags: {}

cluster_vars:
  failover_manager: repmgr
  postgres_version: '16'

locations:
- Name: main
- Name: dr

instance_defaults:
  platform: bare
  vars:
    ansible_user: root

instances:
- Name: kaboom
  backup: kapok
  location: main
  node: 1
  role:
  - primary
- Name: kaftan
  location: main
  node: 2
  role:
  - replica
  upstream: kaboom
- Name: kaolin
  location: dr
  node: 3
  role: [replica]
  upstream: kaftan
- Name: kapok
  location: main
  node: 4
  role: [barman, log-server, witness]
  upstream: kaboom
  vars:
    ansible_user: admin
`;

function load(text: string) {
  return parseConfig(text, { file: 'config.yml', dir: '/clusters/test' });
}

/** The formatted problems of a config that must fail. */
function problems(text: string): string[] {
  try {
    load(text);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

/** BASE with `from` replaced by `to` (which must occur exactly once). */
function edit(from: string, to: string, text = BASE): string {
  expect(text.split(from)).toHaveLength(2);
  return text.replace(from, to);
}

describe('loading a valid config.yml', () => {
  it('builds the typed model: instances in node order, merged vars, roles, absolute dir', () => {
    const shuffled = edit('- Name: kaboom\n  backup: kapok\n  location: main\n  node: 1\n  role:\n  - primary\n', '') +
      '- Name: kaboom\n  backup: kapok\n  location: main\n  node: 1\n  role: primary\n';
    const { cluster, warnings } = load(shuffled);
    expect(warnings).toEqual([]);
    expect(cluster.dir).toBe('/clusters/test');
    expect(cluster).toMatchObject({ name: 'test', architecture: 'M1', failoverManager: 'repmgr', postgresVersion: 16, platform: 'bare' });
    expect(cluster.instances.map((i) => i.name)).toEqual(['kaboom', 'kaftan', 'kaolin', 'kapok']);
    expect(cluster.instances[0]).toMatchObject({ roles: ['primary'], backup: 'kapok', location: 'main', vars: { ansible_user: 'root' } });
    expect(cluster.instances[3]).toMatchObject({ roles: ['barman', 'log-server', 'witness'], upstream: 'kaboom', vars: { ansible_user: 'admin' }, ownVars: { ansible_user: 'admin' } });
    expect(cluster.locations.map((l) => l.name)).toEqual(['main', 'dr']);
    expect(cluster.dockerNetwork).toBeUndefined();
  });

  it('splits comma-separated roles and keeps TPA extras for round trips', () => {
    const { cluster } = load(edit('  role: [replica]\n', '  role: replica,pgbouncer\n  volumes: []\n  tags: {team: db}\n'));
    expect(cluster.instances[2]!.roles).toEqual(['replica', 'pgbouncer']);
    expect(cluster.instances[2]!.extra).toEqual({ volumes: [], tags: { team: 'db' } });
  });

  it('reads docker_networks[0] as the docker network', () => {
    const text = edit('  platform: bare\n', '  platform: docker\n  image: m1/debian:bookworm\n')
      .replace('cluster_tags: {}\n', 'cluster_tags: {}\n\ndocker_networks:\n- name: test\n  ipam_config:\n  - subnet: 10.33.0.16/28\n');
    const { cluster } = load(text);
    expect(cluster.platform).toBe('docker');
    expect(cluster.dockerNetwork).toEqual({ name: 'test', subnet: '10.33.0.16/28' });
    expect(cluster.extra.docker_networks).toBeDefined();
  });

  it('accepts a numeric postgres_version and any custom variable', () => {
    const { cluster, warnings } = load(edit("  postgres_version: '16'\n", '  postgres_version: 15\n  my_own_setting: 1\n'));
    expect(cluster.postgresVersion).toBe(15);
    expect(cluster.clusterVars.my_own_setting).toBe(1);
    expect(warnings).toEqual([]);
  });
});

describe('warnings: variables one typo from a known one', () => {
  it('in cluster_vars, instance_defaults.vars and instance vars, with line and suggestion', () => {
    let text = edit('  failover_manager: repmgr\n', '  failover_manager: repmgr\n  postgres_conf_setings: {}\n');
    text = edit('    ansible_user: root\n', '    ansible_user: root\n    repmgr_redirect_pgbouncr: true\n', text);
    text = edit('    ansible_user: admin\n', '    ansible_user: admin\n    barman_backup_intervl: x\n', text);
    const { warnings } = load(text);
    expect(warnings).toEqual([
      'config.yml:8 cluster_vars.postgres_conf_setings: unknown variable (did you mean "postgres_conf_settings"?)',
      'config.yml:19 instance_defaults.vars.repmgr_redirect_pgbouncr: unknown variable (did you mean "repmgr_redirect_pgbouncer"?)',
      'config.yml:46 instances[3].vars.barman_backup_intervl: unknown variable (did you mean "barman_backup_interval"?)',
    ]);
  });
});

describe('problems, each with file, line, YAML path and fix', () => {
  const cases: [string, string, string[]][] = [
    ['upstream naming no instance (the issue\'s example)', edit('  upstream: kaftan\n', '  upstream: kaftn\n'),
      ['config.yml:36 instances[2].upstream: "kaftn" is not an instance (did you mean "kaftan"?)']],
    ['backup naming no instance', edit('  backup: kapok\n', '  backup: kapk\n'),
      ['config.yml:21 instances[0].backup: "kapk" is not an instance (did you mean "kapok"?)']],
    ['backup naming a non-barman instance', edit('  backup: kapok\n', '  backup: kaftan\n'),
      ['config.yml:21 instances[0].backup: "kaftan" is not a barman instance (role replica); name an instance with role barman']],
    ['duplicate names', edit('- Name: kaolin\n', '- Name: kaftan\n').replace('  upstream: kaftan\n', '  upstream: kaboom\n'),
      ['config.yml:32 instances[2].Name: "kaftan" is already the name of instances[1]; names must be unique']],
    ['duplicate node numbers', edit('  node: 3\n', '  node: 2\n'),
      ['config.yml:34 instances[2].node: 2 is already the node of instances[1] (kaftan); node numbers must be unique']],
    ['an upstream cycle', edit('  upstream: kaboom\n- Name: kaolin', '  upstream: kaolin\n- Name: kaolin'),
      ['config.yml:31 instances[1].upstream: upstream cycle kaftan -> kaolin -> kaftan; one of them must stream from the primary']],
    ['no primary', edit('  - primary\n', '  - replica\n  upstream: kaftan\n'),
      ['config.yml:19 instances: no instance has role primary; an M1 cluster needs exactly one',
        'config.yml:26 instances[0].upstream: upstream cycle kaboom -> kaftan -> kaboom; one of them must stream from the primary']],
    ['two primaries', edit('  role: [replica]\n  upstream: kaftan\n', '  role: [primary]\n'),
      ['config.yml:35 instances[2].role: a second primary (instances[0] kaboom is one already); an M1 cluster has exactly one']],
    ['a replica without upstream', edit('  role: [replica]\n  upstream: kaftan\n', '  role: [replica]\n'),
      ['config.yml:35 instances[2].role: a replica needs an upstream: the instance it streams from (e.g. upstream: kaboom)']],
    ['a witness without upstream', edit('  role: [barman, log-server, witness]\n  upstream: kaboom\n', '  role: [barman, log-server, witness]\n'),
      ['config.yml:40 instances[3].role: a witness needs an upstream: the instance it watches (e.g. upstream: kaboom)']],
    ['a primary with an upstream', edit('  - primary\n', '  - primary\n  upstream: kaftan\n'),
      ['config.yml:26 instances[0].upstream: a primary streams from no one; remove upstream (or make this instance a replica)',
        'config.yml:26 instances[0].upstream: upstream cycle kaboom -> kaftan -> kaboom; one of them must stream from the primary']],
    ['an upstream that runs no Postgres', edit('  upstream: kaftan\n', '  upstream: kapok\n'),
      ['config.yml:36 instances[2].upstream: "kapok" is not a Postgres primary or replica (role barman, log-server, witness)']],
    ['an instance streaming from itself', edit('  upstream: kaftan\n', '  upstream: kaolin\n'),
      ['config.yml:36 instances[2].upstream: "kaolin" is this instance itself; name the instance it streams from']],
    ['etcd without patroni', edit('  role: [replica]\n', '  role: [replica, etcd]\n'),
      ['config.yml:35 instances[2].role: role etcd needs failover_manager patroni, but cluster_vars.failover_manager is repmgr']],
    ['haproxy without patroni', edit('  role: [replica]\n', '  role: [replica, haproxy]\n'),
      ['config.yml:35 instances[2].role: role haproxy needs failover_manager patroni, but cluster_vars.failover_manager is repmgr']],
    ['a witness with patroni (and patroni without etcd)', edit('  failover_manager: repmgr\n', '  failover_manager: patroni\n'),
      ['config.yml:7 cluster_vars.failover_manager: patroni needs etcd instances (role etcd, three of them usually); none is configured',
        'config.yml:40 instances[3].role: role witness needs failover_manager repmgr or efm, but cluster_vars.failover_manager is patroni']],
    ['a location not in locations', edit('  location: dr\n', '  location: dr2\n'),
      ['config.yml:33 instances[2].location: "dr2" is not in locations (did you mean "dr"?); add {Name: dr2} to locations or fix the name']],
    ['an unknown top-level key', edit('cluster_tags: {}\n', 'cluster_tags: {}\nclusters_vars: {}\n'),
      ['config.yml:5 clusters_vars: unknown key (did you mean "cluster_vars"?)']],
    ['an unknown top-level key without a near miss', edit('cluster_tags: {}\n', 'cluster_tags: {}\nfrobnicate: 1\n'),
      [expect.stringMatching(/^config\.yml:5 frobnicate: unknown key; remove it \(top-level keys: architecture, cluster_name, /) as unknown as string]],
    ['an unknown instance key', edit('  node: 3\n', '  node: 3\n  upstram: kaftan\n'),
      ['config.yml:35 instances[2].upstram: unknown key (did you mean "upstream"?)']],
    ['an unknown instance key without a near miss', edit('  node: 3\n', '  node: 3\n  colour: blue\n'),
      ['config.yml:35 instances[2].colour: unknown key; put custom settings under vars']],
    ['an unknown instance_defaults key', edit('  platform: bare\n', '  platform: bare\n  imag: x\n'),
      ['config.yml:16 instance_defaults.imag: unknown key (did you mean "image"?)']],
    ['an unknown role', edit('  role: [replica]\n', '  role: [replcia]\n'),
      ['config.yml:35 instances[2].role[0]: unknown role "replcia" (did you mean "replica"?); M1 roles: primary, replica, witness, barman, log-server, pgbouncer, etcd, haproxy']],
    ['a TPA role m1 does not support', edit('  role: [replica]\n', '  role: [replica, pem-agent]\n'),
      ['config.yml:35 instances[2].role[1]: role pem-agent is not supported by m1 (M1 roles: primary, replica, witness, barman, log-server, pgbouncer, etcd, haproxy)']],
    ['a missing role', edit('  role: [replica]\n', ''),
      ['config.yml:32 instances[2]: missing role; give a list such as [primary] or [replica]']],
    ['an invalid hostname', edit('- Name: kaolin\n', '- Name: Kaolin\n').replace('  upstream: kaftan\n', '  upstream: kaboom\n'),
      ['config.yml:32 instances[2].Name: "Kaolin" has upper-case letters; use "kaolin"']],
    ['a bad node number', edit('  node: 3\n', '  node: three\n'),
      ['config.yml:34 instances[2].node: expected a whole number from 1, found string "three"']],
    ['a missing architecture', edit('architecture: M1\n', ''),
      ['config.yml:2 architecture: missing; add architecture: M1']],
    ['another architecture', edit('architecture: M1\n', 'architecture: PGD-Always-ON\n'),
      ['config.yml:2 architecture: "PGD-Always-ON" is not supported; m1 handles M1']],
    ['a bad failover manager', edit('  failover_manager: repmgr\n', '  failover_manager: repmrg\n'),
      ['config.yml:7 cluster_vars.failover_manager: "repmrg" is not a failover manager (did you mean "repmgr"?); use one of repmgr, efm, patroni']],
    ['a missing failover manager', edit('  failover_manager: repmgr\n', ''),
      ['config.yml:6 cluster_vars.failover_manager: missing; set it to one of repmgr, efm, patroni']],
    ['an unsupported Postgres version', edit("  postgres_version: '16'\n", "  postgres_version: '9.6'\n"),
      ['config.yml:8 cluster_vars.postgres_version: "9.6" is not a supported version; use one of 11, 12, 13, 14, 15, 16, 17']],
    ['another Postgres flavour', edit("  postgres_version: '16'\n", "  postgres_version: '16'\n  postgres_flavour: epas\n"),
      ['config.yml:9 cluster_vars.postgres_flavour: "epas" is not supported yet; use postgresql']],
    ['a bad platform', edit('  platform: bare\n', '  platform: vmware\n'),
      ['config.yml:15 instance_defaults.platform: "vmware" is not a platform; use one of aws, docker, bare']],
    ['a bad IP address', edit('  node: 3\n', '  node: 3\n  ip_address: 10.0.0.999\n'),
      ['config.yml:35 instances[2].ip_address: "10.0.0.999" is not an IP address']],
    ['duplicate addresses', edit('  node: 3\n', '  node: 3\n  ip_address: 10.0.0.9\n').replace('  node: 4\n', '  node: 4\n  ip_address: 10.0.0.9\n'),
      ['config.yml:41 instances[3].ip_address: 10.0.0.9 is already the address of instances[2]; addresses must be unique']],
    ['a pgbouncer_backend naming no instance', edit('    ansible_user: admin\n', '    ansible_user: admin\n    pgbouncer_backend: kabom\n'),
      ['config.yml:44 instances[3].vars.pgbouncer_backend: "kabom" is not an instance (did you mean "kaboom"?)']],
    ['a duplicate YAML key', edit('  node: 3\n', '  node: 3\n  node: 5\n'),
      ['config.yml:35 instances[2].node: this key is already on line 34; keys of a mapping must be unique']],
    ['a YAML syntax error', edit('  role: [replica]\n', '  role: [replica\n'),
      [expect.stringMatching(/^config\.yml:\d+: YAML syntax: /) as unknown as string]],
    ['not a mapping', '- just\n- a list\n', ['config.yml:1: expected a mapping of architecture, cluster_name, cluster_tags, keyring_backend..., found a list']],
    ['no instances', BASE.slice(0, BASE.indexOf('instances:')) + 'instances: []\n',
      ['config.yml:19 instances: expected a non-empty list of instances, found a list']],
    ['a location listed twice', edit('- Name: dr\n', '- Name: dr\n- Name: main\n'),
      ['config.yml:13 locations[2].Name: "main" is listed twice; location names must be unique']],
  ];
  for (const [what, text, expected] of cases) {
    it(what, () => {
      expect(problems(text)).toEqual(expected);
    });
  }

  it('reports ALL problems at once, in line order', () => {
    let text = edit('  upstream: kaftan\n', '  upstream: kaftn\n');
    text = edit('  backup: kapok\n', '  backup: kapk\n', text);
    text = edit('  node: 4\n', '  node: 4\n  colour: blue\n', text);
    text = edit('cluster_tags: {}\n', 'cluster_tags: {}\nclusters_vars: {}\n', text);
    expect(problems(text)).toEqual([
      'config.yml:5 clusters_vars: unknown key (did you mean "cluster_vars"?)',
      'config.yml:22 instances[0].backup: "kapk" is not an instance (did you mean "kapok"?)',
      'config.yml:37 instances[2].upstream: "kaftn" is not an instance (did you mean "kaftan"?)',
      'config.yml:41 instances[3].colour: unknown key; put custom settings under vars',
    ]);
  });

  it('a broken instance still lends its name: no false "not an instance" elsewhere', () => {
    const text = edit('  node: 2\n', '  node: two\n');
    expect(problems(text)).toEqual(['config.yml:28 instances[1].node: expected a whole number from 1, found string "two"']);
  });
});

describe('docker addressing in config.yml', () => {
  const docker = (ips: string) =>
    edit('  platform: bare\n', '  platform: docker\n')
      .replace('cluster_tags: {}\n', 'cluster_tags: {}\ndocker_networks:\n- name: test\n  ipam_config:\n  - subnet: 10.33.0.16/28\n')
      .replace('  node: 1\n', `  node: 1\n  ip_address: ${ips}\n`);

  it('an address inside the subnet is fine', () => {
    expect(load(docker('10.33.0.18')).cluster.instances[0]!.ipAddress).toBe('10.33.0.18');
  });

  it('the gateway, the network address and outside addresses are not', () => {
    expect(problems(docker('10.33.0.17'))).toEqual(['config.yml:28 instances[0].ip_address: 10.33.0.17 is the gateway of 10.33.0.16/28; use another address']);
    expect(problems(docker('10.33.0.16'))).toEqual(['config.yml:28 instances[0].ip_address: 10.33.0.16 is the network or broadcast address of 10.33.0.16/28']);
    expect(problems(docker('10.33.1.5'))).toEqual(['config.yml:28 instances[0].ip_address: 10.33.1.5 is outside the docker network\'s subnet 10.33.0.16/28']);
  });

  it('a malformed docker_networks', () => {
    const text = edit('  platform: bare\n', '  platform: docker\n').replace('cluster_tags: {}\n', 'cluster_tags: {}\ndocker_networks: {name: test}\n');
    expect(problems(text)).toEqual(['config.yml:5 docker_networks: expected a list like [{name: <cluster>, ipam_config: [{subnet: 10.33.0.0/28}]}]']);
  });
});
