/**
 * The desired /etc/default/etcd of one etcd member.
 *
 * Decision: keep Debian's etcd.service (etcd-server 3.4.23: Type=notify,
 * User=etcd, `EnvironmentFile=-/etc/default/%p`, `ExecStart=/usr/bin/etcd
 * $DAEMON_ARGS`) and configure it only through that environment file. The
 * file's values override the unit's `Environment=ETCD_NAME=%H` and
 * `ETCD_DATA_DIR=/var/lib/etcd/default` (systemd.exec: EnvironmentFile=
 * settings override Environment=). No unit of our own, so package upgrades keep
 * their unit fixes.
 *
 * Our data dir is /var/lib/etcd/<cluster>, never the package's
 * /var/lib/etcd/default: the package starts a single-member etcd on install
 * and that member's data must never be mistaken for our cluster's (etcd
 * ignores every ETCD_INITIAL_* setting once its data dir exists).
 */
import { ConfigError } from '../../errors.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { clusterVar } from '../../config/vars.js';
import { VARIABLES } from '../../config/variables.js';
import {
  etcdClientPort,
  etcdInitialCluster,
  etcdMembers,
  etcdPeerPort,
  withScheme,
  type EtcdMember,
} from './members.js';
import { ETCD_CA_PATH, etcdCertPath, etcdKeyPath } from './tls.js';

export const ETCD_ENV_FILE = '/etc/default/etcd';
export const ETCD_SERVICE = 'etcd';

/** Debian's etcd server, its client (etcdctl) and curl (the health and membership reads). */
export const ETCD_PACKAGES = ['etcd-server', 'etcd-client', 'curl'];
/** Where the package's own single-member etcd keeps its data (Debian's unit default). */
export const ETCD_PACKAGE_DATA_DIR = '/var/lib/etcd/default';
export const ETCD_TEMPLATE = 'roles/etcd/templates/etcd.default.hbs';

/**
 * Raft timing. etcd's defaults (100 ms heartbeat, 1000 ms election) assume an
 * idle LAN; on a 2-core machine running three etcd members beside Postgres,
 * Patroni and Barman, a member's heartbeat can be delayed by CPU contention and
 * by fsync stalls of a few hundred ms, which at the defaults causes needless
 * leader elections (and Patroni DCS errors). 250 ms is above those normal
 * scheduling delays; 2500 ms keeps the 10× ratio etcd's tuning guide asks for
 * (election >= 10 × RTT, and etcd refuses election < 5 × heartbeat) while a
 * lost etcd leader is still replaced within Patroni's retry_timeout (5 s;
 * a follower calls an election one to two election timeouts after the
 * leader's last heartbeat), so the Postgres primary is not demoted because etcd re-elected.
 * Must be the same on every member (tuning guide), hence cluster_vars only.
 */
export interface EtcdTiming {
  heartbeatIntervalMs: number;
  electionTimeoutMs: number;
}

export const DEFAULT_ETCD_TIMING: EtcdTiming = {
  heartbeatIntervalMs: VARIABLES.etcd_heartbeat_interval.default,
  electionTimeoutMs: VARIABLES.etcd_election_timeout.default,
};

/** Our data dir: /var/lib/etcd/<cluster name>. */
export function etcdDataDir(cluster: Cluster): string {
  return `/var/lib/etcd/${safeName(cluster, cluster.name)}`;
}

/** ETCD_INITIAL_CLUSTER_TOKEN: unique per cluster so two clusters' members never join each other. */
export function etcdClusterToken(cluster: Cluster): string {
  return `m1-${safeName(cluster, cluster.name)}`;
}

function safeName(cluster: Cluster, name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name)) {
    throw new ConfigError([
      {
        file: `${cluster.dir}/config.yml`,
        path: 'cluster_name',
        message: `"${name}" cannot name etcd's data dir and token: use letters, digits, "_", "." and "-"`,
      },
    ]);
  }
  return name;
}

export function etcdTiming(cluster: Cluster): EtcdTiming {
  const timing = {
    heartbeatIntervalMs: clusterVar(cluster, 'etcd_heartbeat_interval'),
    electionTimeoutMs: clusterVar(cluster, 'etcd_election_timeout'),
  };
  // etcd 3.4 refuses to start when election-timeout < 5 × heartbeat-interval (the spec bounds each; the loader checks this too).
  if (timing.electionTimeoutMs < 5 * timing.heartbeatIntervalMs) {
    throw new ConfigError([
      {
        file: `${cluster.dir}/config.yml`,
        path: 'cluster_vars.etcd_election_timeout',
        message: `etcd_election_timeout (${timing.electionTimeoutMs}) must be at least 5 × etcd_heartbeat_interval (${timing.heartbeatIntervalMs}); 10 × is recommended`,
      },
    ]);
  }
  return timing;
}

/** The member this instance is, or a clear error when it has no etcd role. */
export function etcdMemberOf(cluster: Cluster, instance: Instance): EtcdMember {
  const member = etcdMembers(cluster).find((m) => m.name === instance.name);
  if (!member) throw new Error(`${instance.name}: not an etcd member (no role etcd in config.yml)`);
  return member;
}

/** Listening needs an IP: a member known only by name listens on every interface. */
function listenHost(member: EtcdMember): string {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(member.address) ? member.address : '0.0.0.0';
}

/**
 * The file's scheme: 'https' always, except the step of a cluster switching
 * from plain HTTP to TLS where every member first gets its pair and the CA
 * while it still listens on http:// (so that, once members move to https one
 * at a time, each can already dial the others with its certificate).
 */
export type EtcdScheme = 'https' | 'http';

/** ETCD_* variables in file order. */
export function etcdEnvironment(cluster: Cluster, instance: Instance, scheme: EtcdScheme = 'https'): Array<{ key: string; value: string }> {
  const members = etcdMembers(cluster).map((m) => ({ ...m, clientUrl: withScheme(m.clientUrl, scheme), peerUrl: withScheme(m.peerUrl, scheme) }));
  const me = members.find((m) => m.name === etcdMemberOf(cluster, instance).name)!;
  const timing = etcdTiming(cluster);
  const host = listenHost(me);
  const clientPort = etcdClientPort(cluster);
  const peerPort = etcdPeerPort(cluster);
  const env: Array<[string, string]> = [
    ['ETCD_NAME', me.name],
    ['ETCD_DATA_DIR', etcdDataDir(cluster)],
    // Only the member's own address (its certificate names it): nothing on the loopback.
    ['ETCD_LISTEN_PEER_URLS', `${scheme}://${host}:${peerPort}`],
    ['ETCD_LISTEN_CLIENT_URLS', `${scheme}://${host}:${clientPort}`],
    ['ETCD_INITIAL_ADVERTISE_PEER_URLS', me.peerUrl],
    ['ETCD_ADVERTISE_CLIENT_URLS', me.clientUrl],
    // Static bootstrap: every member lists all members with the same token.
    // Read only when the data dir is empty (first start); ignored afterwards.
    ['ETCD_INITIAL_CLUSTER', etcdInitialCluster(members)],
    ['ETCD_INITIAL_CLUSTER_STATE', 'new'],
    ['ETCD_INITIAL_CLUSTER_TOKEN', etcdClusterToken(cluster)],
    // Clients: TLS with the host's pair; no client certificate asked (clients prove who they are
    // with a user and password). No ETCD_TRUSTED_CA_FILE: in etcd 3.4 it alone makes every
    // client present a certificate.
    ['ETCD_CERT_FILE', etcdCertPath(me.name)],
    ['ETCD_KEY_FILE', etcdKeyPath(me.name)],
    // Peers: TLS both ways, each side's certificate checked against the cluster CA (and, by etcd,
    // against the address the connection comes from).
    ['ETCD_PEER_CERT_FILE', etcdCertPath(me.name)],
    ['ETCD_PEER_KEY_FILE', etcdKeyPath(me.name)],
    ['ETCD_PEER_TRUSTED_CA_FILE', ETCD_CA_PATH],
    ['ETCD_PEER_CLIENT_CERT_AUTH', 'true'],
    ['ETCD_HEARTBEAT_INTERVAL', String(timing.heartbeatIntervalMs)],
    ['ETCD_ELECTION_TIMEOUT', String(timing.electionTimeoutMs)],
    // Pre-vote: a member that stalled (CPU, fsync) and comes back does not
    // force an election by bumping the term (etcd 3.4 --pre-vote, default false).
    ['ETCD_PRE_VOTE', 'true'],
    // Patroni's etcd3 DCS speaks the v3 API only; keep v2 off explicitly.
    ['ETCD_ENABLE_V2', 'false'],
    // Patroni rewrites its keys every loop_wait: keep one hour of history, compact the rest.
    ['ETCD_AUTO_COMPACTION_MODE', 'periodic'],
    ['ETCD_AUTO_COMPACTION_RETENTION', '1h'],
    // 3.4's default logger (capnslog) prints a deprecation warning on every start.
    ['ETCD_LOGGER', 'zap'],
  ];
  return env.map(([key, value]) => ({ key, value }));
}

/** The content of /etc/default/etcd for this member. */
export function etcdEnvFile(cluster: Cluster, instance: Instance, scheme: EtcdScheme = 'https'): string {
  return renderTemplate(ETCD_TEMPLATE, {
    cluster: cluster.name,
    member: instance.name,
    env: etcdEnvironment(cluster, instance, scheme),
  });
}
