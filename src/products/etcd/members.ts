/**
 * The etcd members of a cluster: every instance with role etcd, in node
 * order, each named after its instance and reached on its own address.
 * Patroni's `etcd3.hosts`, etcdctl's `--endpoints` and etcd's own
 * `initial-cluster` are all built from this one list, so they cannot disagree.
 * Clients and peers speak TLS (https) with each member's certificate, signed
 * by the cluster CA and naming the member's name and address.
 */
import { ConfigError } from '../../errors.js';
import { hasRole, type Cluster, type Instance } from '../../inventory/cluster.js';
import { clusterVar } from '../../config/vars.js';
import { VARIABLES } from '../../config/variables.js';

export const ETCD_CLIENT_PORT = VARIABLES.etcd_client_port.default;
export const ETCD_PEER_PORT = VARIABLES.etcd_peer_port.default;

export interface EtcdMember {
  /** Instance name; etcd's member name (ETCD_NAME). */
  name: string;
  /** The instance's IP address (its name when it has none). */
  address: string;
  /** https://<address>:2379 */
  clientUrl: string;
  /** https://<address>:2380 */
  peerUrl: string;
}

export function etcdClientPort(cluster: Cluster): number {
  return clusterVar(cluster, 'etcd_client_port');
}

export function etcdPeerPort(cluster: Cluster): number {
  return clusterVar(cluster, 'etcd_peer_port');
}

/** Where other hosts reach an instance: its static IP, else its name (resolved through /etc/hosts). */
export function instanceAddress(instance: Instance): string {
  return instance.ipAddress ?? instance.name;
}

export function etcdMembers(cluster: Cluster): EtcdMember[] {
  const client = etcdClientPort(cluster);
  const peer = etcdPeerPort(cluster);
  const members = cluster.instances
    .filter((i) => hasRole(i, 'etcd'))
    .map((i) => {
      const address = instanceAddress(i);
      return { name: i.name, address, clientUrl: `https://${address}:${client}`, peerUrl: `https://${address}:${peer}` };
    });
  if (members.length === 0) {
    throw new ConfigError([
      {
        file: `${cluster.dir}/config.yml`,
        path: 'instances',
        message: 'Patroni needs etcd: give three instances the role etcd (none has it)',
      },
    ]);
  }
  return members;
}

/** etcdctl's --endpoints value: every member's client URL. */
export function etcdEndpoints(members: readonly EtcdMember[]): string {
  return members.map((m) => m.clientUrl).join(',');
}

/** ETCD_INITIAL_CLUSTER: name=peer URL for every member. */
export function etcdInitialCluster(members: readonly EtcdMember[]): string {
  return members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
}

/** The URL with another scheme (a member of a cluster not yet switched to TLS answers on http://). */
export function withScheme(url: string, scheme: 'http' | 'https'): string {
  return url.replace(/^https?:/, `${scheme}:`);
}

/** The same host and port, whatever the scheme. */
export function sameEndpoint(a: string, b: string): boolean {
  return withScheme(a, 'https') === withScheme(b, 'https');
}
