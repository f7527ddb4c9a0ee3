/** A cluster CA and host certificates made in memory, for deploy contexts in tests. */
import type { Cluster } from '../../../src/inventory/cluster.js';
import { issueCertificate, keyPem, newKey } from '../../../src/secrets/index.js';
import { certificateNames } from '../../../src/products/postgres/certificates.js';
import type { ClusterTls } from '../../../roles/context.js';

const DAY = 86_400_000;

export function testTls(cluster: Cluster): ClusterTls {
  const caKey = newKey();
  const issuer = { commonName: 'm1 test CA', key: caKey };
  const notBefore = new Date(Date.now() - DAY);
  const notAfter = new Date(Date.now() + 365 * DAY);
  const ca = issueCertificate({ commonName: issuer.commonName, notBefore, notAfter, ca: true }, caKey, issuer);
  const hosts: Record<string, { cert: string; key: string }> = {};
  for (const i of cluster.instances) {
    const key = newKey();
    hosts[i.name] = { cert: issueCertificate({ commonName: i.name, altNames: certificateNames(cluster, i.name), notBefore, notAfter }, key, issuer), key: keyPem(key) };
  }
  return { ca, hosts };
}
