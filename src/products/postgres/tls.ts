/**
 * A self-signed TLS certificate per host (TPA: RSA 2048, created once). The
 * key is 0600 and owned by postgres: Postgres refuses a key others can read,
 * and PgBouncer (running as postgres) serves the same pair to its clients.
 * Clients connect with sslmode=require, which encrypts without checking the
 * certificate; verify-full needs a CA-signed certificate the admin provides.
 */
import type { Instance } from '../../inventory/cluster.js';
import { quoteAll, quote } from '../../engine/shell/quote.js';
import { POSTGRES_GROUP, POSTGRES_USER, SSL_DIR, sslCertPath, sslKeyPath } from './layout.js';

export const CERT_DAYS = 3650;

/** subjectAltName for the host: its name, and its address when it has one. */
export function subjectAltName(i: Pick<Instance, 'name' | 'ipAddress'>): string {
  return i.ipAddress ? `DNS:${i.name},IP:${i.ipAddress}` : `DNS:${i.name}`;
}

/**
 * Shell command (run as root) that creates the pair when either file is
 * missing and prints `created`; prints nothing when both exist, so it is safe
 * on every deploy and never replaces a certificate the admin installed.
 */
export function selfSignedCertCommand(i: Pick<Instance, 'name' | 'ipAddress'>): string {
  const key = sslKeyPath(i.name);
  const crt = sslCertPath(i.name);
  const req = quoteAll([
    'openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', String(CERT_DAYS),
    '-subj', `/CN=${i.name}`, '-addext', `subjectAltName=${subjectAltName(i)}`,
    '-keyout', key, '-out', crt,
  ]);
  return [
    `if [ ! -s ${quote(key)} ] || [ ! -s ${quote(crt)} ]; then`,
    `  install -d -m 0755 ${quote(SSL_DIR)} &&`,
    `  (umask 077 && ${req} 2>/dev/null) &&`,
    `  chown ${POSTGRES_USER}:${POSTGRES_GROUP} ${quote(key)} ${quote(crt)} &&`,
    `  chmod 0600 ${quote(key)} && chmod 0644 ${quote(crt)} &&`,
    '  echo created;',
    'fi',
  ].join('\n');
}
