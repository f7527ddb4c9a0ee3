import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import {
  etcdClusterToken,
  etcdDataDir,
  etcdEnvFile,
  etcdEnvironment,
  etcdTiming,
} from '../../../../src/products/etcd/environment.js';
import { etcdEndpoints, etcdInitialCluster, etcdMembers } from '../../../../src/products/etcd/members.js';
import { instance, patroniCluster } from '../patroni/fixture.js';

function envMap(cluster = patroniCluster(), name = 'kaput'): Map<string, string> {
  return new Map(etcdEnvironment(cluster, instance(cluster, name)).map((e) => [e.key, e.value]));
}

describe('etcd members', () => {
  it('are the etcd instances in node order, on their IPs, over TLS', () => {
    const members = etcdMembers(patroniCluster());
    expect(members.map((m) => m.name)).toEqual(['kapok', 'kaput', 'karakul']);
    expect(members.map((m) => m.peerUrl)).toEqual([
      'https://10.33.0.5:2380',
      'https://10.33.0.6:2380',
      'https://10.33.0.7:2380',
    ]);
    expect(etcdEndpoints(members)).toBe('https://10.33.0.5:2379,https://10.33.0.6:2379,https://10.33.0.7:2379');
    expect(etcdInitialCluster(members)).toBe(
      'kapok=https://10.33.0.5:2380,kaput=https://10.33.0.6:2380,karakul=https://10.33.0.7:2380',
    );
  });

  it('a cluster without etcd instances is a config error naming the fix', () => {
    const c = patroniCluster();
    c.instances = c.instances.filter((i) => !i.roles.includes('etcd'));
    expect(() => etcdMembers(c)).toThrow(ConfigError);
    expect(() => etcdMembers(c)).toThrow(/role etcd/);
  });
});

describe('etcd environment file', () => {
  it('names the member after its instance and lists all three members statically', () => {
    const env = envMap();
    expect(env.get('ETCD_NAME')).toBe('kaput');
    expect(env.get('ETCD_INITIAL_CLUSTER')).toBe(
      'kapok=https://10.33.0.5:2380,kaput=https://10.33.0.6:2380,karakul=https://10.33.0.7:2380',
    );
    expect(env.get('ETCD_INITIAL_CLUSTER_STATE')).toBe('new');
    expect(env.get('ETCD_INITIAL_CLUSTER_TOKEN')).toBe('m1-patroni1');
  });

  it('listens for peers and clients over TLS on its IP only (its certificate names it, not the loopback), advertising its IP', () => {
    const env = envMap();
    expect(env.get('ETCD_LISTEN_PEER_URLS')).toBe('https://10.33.0.6:2380');
    expect(env.get('ETCD_LISTEN_CLIENT_URLS')).toBe('https://10.33.0.6:2379');
    expect(env.get('ETCD_INITIAL_ADVERTISE_PEER_URLS')).toBe('https://10.33.0.6:2380');
    expect(env.get('ETCD_ADVERTISE_CLIENT_URLS')).toBe('https://10.33.0.6:2379');
  });

  it("serves clients with its own pair, asking no client certificate; peers show theirs, checked against the cluster CA", () => {
    const env = envMap();
    expect(env.get('ETCD_CERT_FILE')).toBe('/etc/m1/etcd/kaput.crt');
    expect(env.get('ETCD_KEY_FILE')).toBe('/etc/m1/etcd/kaput.key');
    // etcd 3.4 asks every client for a certificate once a trusted CA is set for clients.
    expect(env.has('ETCD_TRUSTED_CA_FILE')).toBe(false);
    expect(env.has('ETCD_CLIENT_CERT_AUTH')).toBe(false);
    expect(env.get('ETCD_PEER_CERT_FILE')).toBe('/etc/m1/etcd/kaput.crt');
    expect(env.get('ETCD_PEER_KEY_FILE')).toBe('/etc/m1/etcd/kaput.key');
    expect(env.get('ETCD_PEER_TRUSTED_CA_FILE')).toBe('/etc/m1/ssl/ca.crt');
    expect(env.get('ETCD_PEER_CLIENT_CERT_AUTH')).toBe('true');
  });

  it('the step of a cluster moving off plain HTTP: the same file with every URL still http://', () => {
    const c = patroniCluster();
    const https = new Map(etcdEnvironment(c, instance(c, 'kaput')).map((e) => [e.key, e.value]));
    const http = new Map(etcdEnvironment(c, instance(c, 'kaput'), 'http').map((e) => [e.key, e.value]));
    expect([...http.keys()]).toEqual([...https.keys()]);
    for (const [k, v] of https) expect(http.get(k)).toBe(v.replaceAll('https://', 'http://'));
    expect(http.get('ETCD_PEER_CERT_FILE')).toBe('/etc/m1/etcd/kaput.crt');
  });

  it('without an IP, advertises the name and listens on every interface (etcd cannot bind a name)', () => {
    const env = envMap(patroniCluster({ noAddresses: true }));
    expect(env.get('ETCD_LISTEN_PEER_URLS')).toBe('https://0.0.0.0:2380');
    expect(env.get('ETCD_ADVERTISE_CLIENT_URLS')).toBe('https://kaput:2379');
    expect(env.get('ETCD_INITIAL_CLUSTER')).toContain('kapok=https://kapok:2380');
  });

  it('uses its own data dir, never the package one, and the v3 API only', () => {
    const env = envMap();
    expect(env.get('ETCD_DATA_DIR')).toBe('/var/lib/etcd/patroni1');
    expect(etcdDataDir(patroniCluster())).not.toBe('/var/lib/etcd/default');
    expect(env.get('ETCD_ENABLE_V2')).toBe('false');
  });

  it('slows raft timing for a loaded 2-core machine, keeping the 10x ratio', () => {
    const env = envMap();
    expect(env.get('ETCD_HEARTBEAT_INTERVAL')).toBe('250');
    expect(env.get('ETCD_ELECTION_TIMEOUT')).toBe('2500');
    expect(Number(env.get('ETCD_ELECTION_TIMEOUT'))).toBe(10 * Number(env.get('ETCD_HEARTBEAT_INTERVAL')));
  });

  it('takes timing from cluster_vars and rejects what etcd would refuse', () => {
    const ok = patroniCluster({ clusterVars: { etcd_heartbeat_interval: 300, etcd_election_timeout: 3000 } });
    expect(etcdTiming(ok)).toEqual({ heartbeatIntervalMs: 300, electionTimeoutMs: 3000 });
    const tooShort = patroniCluster({ clusterVars: { etcd_heartbeat_interval: 500, etcd_election_timeout: 1000 } });
    expect(() => etcdTiming(tooShort)).toThrow(/at least 5 × etcd_heartbeat_interval/);
    const notNumber = patroniCluster({ clusterVars: { etcd_election_timeout: '2s' } });
    expect(() => etcdTiming(notNumber)).toThrow(/cluster_vars\.etcd_election_timeout: expected an integer from 1 to 50000, got "2s"/);
  });

  it('rejects a cluster name that cannot name a path or token', () => {
    const c = patroniCluster();
    c.name = 'bad name/x';
    expect(() => etcdClusterToken(c)).toThrow(ConfigError);
  });

  it('renders KEY="value" lines that systemd reads, one per variable', () => {
    const c = patroniCluster();
    const text = etcdEnvFile(c, instance(c, 'kapok'));
    const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(lines).toHaveLength(etcdEnvironment(c, instance(c, 'kapok')).length);
    for (const l of lines) expect(l).toMatch(/^ETCD_[A-Z0-9_]+="[^"\\$`]*"$/);
    expect(lines).toContain('ETCD_NAME="kapok"');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('refuses to render for an instance that is not an etcd member', () => {
    const c = patroniCluster();
    expect(() => etcdEnvFile(c, instance(c, 'kaboom'))).toThrow(/not an etcd member/);
  });
});
