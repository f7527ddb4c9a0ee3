/**
 * The cluster CA's certificate on a host, where every client of the cluster
 * on that host finds it (sslrootcert, server_tls_ca_file, HAProxy's ca-file):
 * Postgres hosts, HAProxy hosts and Barman hosts all verify the servers they
 * reach against it.
 */
import { directory, file, type Notify, type Operation } from '../src/engine/index.js';
import { CA_CERT_PATH } from '../src/products/postgres/certificates.js';
import { SSL_DIR } from '../src/products/postgres/layout.js';
import { tlsOf, type DeployContext } from './context.js';

export function clusterCaFileOps(ctx: DeployContext, host: string, notify?: Notify): Operation[] {
  return [
    directory({ path: SSL_DIR, owner: 'root', group: 'root', mode: '0755' }),
    file({ path: CA_CERT_PATH, content: tlsOf(ctx, host).ca, owner: 'root', group: 'root', mode: '0644', ...(notify ? { notify } : {}) }),
  ];
}
