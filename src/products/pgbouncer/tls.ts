/**
 * PgBouncer serves the host's certificate pair (the postgres role installs
 * it); when deploy replaces the pair, a running PgBouncer is reloaded, which
 * rereads its TLS files. A marker per certificate makes that happen once.
 */
import { quote } from '../../engine/shell/quote.js';
import { SSL_DIR } from '../postgres/layout.js';
import { PGBOUNCER_SERVICE } from './layout.js';

export function pgbouncerTlsMarker(sha: string): string {
  return `${SSL_DIR}/.pgbouncer-${sha.slice(0, 16)}`;
}

/** Reloads a running PgBouncer, then leaves the marker of certificate `sha` (older ones go). */
export function pgbouncerTlsReloadCommand(sha: string): string {
  return [
    `if systemctl is-active --quiet ${PGBOUNCER_SERVICE}; then systemctl reload ${PGBOUNCER_SERVICE}; fi`,
    `rm -f ${quote(SSL_DIR)}/.pgbouncer-*`,
    `touch ${quote(pgbouncerTlsMarker(sha))}`,
  ].join(' && ');
}
