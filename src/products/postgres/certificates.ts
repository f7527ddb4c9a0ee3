/**
 * Which names a host's certificate carries, and where the cluster CA's
 * certificate lives on a host. Every host gets a certificate signed by the
 * cluster CA naming it by name and address; a data node's also names the
 * HAProxy hosts, so a client that reaches Postgres through HAProxy can use
 * sslmode=verify-full with the HAProxy host's name.
 */
import type { Cluster } from '../../inventory/cluster.js';
import { hasRole, instanceByName, isDataNode } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { binDir, DATA_DIR, SSL_DIR } from './layout.js';
import type { PostgresVersion } from '../../inventory/cluster.js';
import { asPostgres } from './run.js';
import { verifyFullConninfo } from './conninfoValue.js';

/** The cluster CA's certificate on every host (clients' sslrootcert, servers' ssl_ca_file). */
export const CA_CERT_PATH = `${SSL_DIR}/ca.crt`;

/**
 * The conninfo part with which a client on a host of the cluster verifies
 * the server it reaches by name: signed by the cluster CA and naming it.
 */
export const VERIFY_CLUSTER_SERVER = verifyFullConninfo(CA_CERT_PATH);

/**
 * subjectAltName entries of `host`'s certificate: its name, its configured
 * and inventory addresses, and on a data node the HAProxy hosts' names and
 * addresses. Sorted within each kind and deduplicated, so the order of
 * config.yml does not reissue a certificate.
 */
export function certificateNames(cluster: Cluster, host: string, addresses: Readonly<Record<string, string>> = {}): string[] {
  const me = instanceByName(cluster, host);
  if (!me) return [host];
  const dns = new Set<string>([host]);
  const ips = new Set<string>();
  const addIp = (a: string | undefined) => {
    if (a && /^[0-9a-fA-F.:]+$/.test(a)) ips.add(a);
    else if (a) dns.add(a);
  };
  addIp(me.ipAddress);
  addIp(addresses[host]);
  if (isDataNode(me)) {
    for (const p of cluster.instances.filter((i) => hasRole(i, 'haproxy'))) {
      dns.add(p.name);
      addIp(p.ipAddress);
      addIp(addresses[p.name]);
    }
  }
  return [host, ...[...dns].filter((d) => d !== host).sort(), ...[...ips].sort()];
}

/**
 * The marker a Postgres reload for certificate `sha` leaves: present once the
 * running server (if any) has been told to read that certificate.
 */
export function tlsReloadMarker(sha: string): string {
  return `${SSL_DIR}/.loaded-${sha.slice(0, 16)}`;
}

/**
 * Reloads a running Postgres (it rereads ssl_* files on SIGHUP), then leaves
 * the marker of certificate `sha` and removes older ones. A server that is
 * not running reads the files when it starts.
 */
export function tlsReloadCommand(version: PostgresVersion, sha: string): string {
  const pgCtl = `${binDir(version)}/pg_ctl -D ${DATA_DIR}`;
  return [
    `if ${asPostgres(`${pgCtl} status`)} >/dev/null 2>&1; then ${asPostgres(`${pgCtl} reload`)} >/dev/null; fi`,
    `rm -f ${quote(SSL_DIR)}/.loaded-*`,
    `touch ${quote(tlsReloadMarker(sha))}`,
  ].join(' && ');
}
