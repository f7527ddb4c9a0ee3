/**
 * Where an etcd member keeps its certificate pair: its own copy of the
 * host's pair (issued by deploy, signed by the cluster CA, naming the host
 * and its addresses), owned by the `etcd` user the server runs as. A data
 * node that is also an etcd member keeps Postgres' copy (owned by postgres)
 * apart from this one. The CA is the cluster's, in the one place every role
 * installs it.
 *
 * etcd 3.4 reads the pair again at every TLS handshake, so a renewed
 * certificate needs no restart.
 */
import { CA_CERT_PATH } from '../postgres/certificates.js';

export const ETCD_USER = 'etcd';
export const ETCD_TLS_DIR = '/etc/m1/etcd';
export { CA_CERT_PATH as ETCD_CA_PATH };

export function etcdCertPath(host: string): string {
  return `${ETCD_TLS_DIR}/${host}.crt`;
}

export function etcdKeyPath(host: string): string {
  return `${ETCD_TLS_DIR}/${host}.key`;
}
