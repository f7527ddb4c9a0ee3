/**
 * pgbouncer.ini (reference 5.6), for PgBouncer 1.18 (Debian bookworm) and later.
 *
 * Authentication: auth_type hba (hba.ts: who may log in from where), with
 * scram-sha-256 for every client it lets in. Clients are checked against the
 * SCRAM verifier auth_query returns, and PgBouncer reuses the keys of that
 * exchange to log in to Postgres as the client (SCRAM pass-through, 1.14+),
 * so no client password is stored anywhere. pgbouncer_auth_user, which runs
 * auth_query, is the exception: PgBouncer logs in as it with no client in
 * front, and from a SCRAM verifier alone it cannot ("cannot do SCRAM
 * authentication: password is SCRAM secret but client authentication did not
 * provide SCRAM keys"), so userlist.txt holds its password (0600, postgres).
 *
 * auth_dbname is not set: PgBouncer 1.18 does not know it (1.19 added it);
 * the auth function exists in every database instead (roles/postgres/users.ts).
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { hostVar } from '../../config/vars.js';
import type { VariableValue } from '../../config/variables.js';
import { SOCKET_DIR, sslCertPath, sslKeyPath } from '../postgres/layout.js';
import { m1Settings } from '../postgres/settings.js';
import { ADMIN_USER, AUTH_USER, DATABASES_INI, PGBOUNCER_PORT, USERLIST } from './layout.js';
import { PGBOUNCER_HBA } from './hba.js';
import { CA_CERT_PATH } from '../postgres/certificates.js';

export type PoolMode = VariableValue<'pgbouncer_pool_mode'>;

export interface PgbouncerIniInput {
  cluster: Cluster;
  instance: Instance;
  /** The host's memory in MiB: only used to compute the backends' max_connections the same way Postgres does. */
  memoryMb: number;
}

export function pgbouncerIni(input: PgbouncerIniInput): string {
  const { cluster, instance } = input;
  const poolMode: PoolMode = hostVar(cluster, instance, 'pgbouncer_pool_mode');
  // TPA: 90% of the backends' max_connections, so PgBouncer queues before Postgres refuses.
  const backendMax = Number(m1Settings({ ...input, managerLibraries: [] })['max_connections']);
  const maxClientConn = hostVar(cluster, instance, 'pgbouncer_max_client_conn') ?? Math.floor(0.9 * backendMax);
  const settings: [string, string | number][] = [
    ['listen_addr', '*'],
    ['listen_port', PGBOUNCER_PORT],
    ['unix_socket_dir', SOCKET_DIR],
    ['auth_type', 'hba'],
    ['auth_hba_file', PGBOUNCER_HBA],
    ['auth_file', USERLIST],
    ['auth_user', AUTH_USER],
    ['auth_query', 'SELECT * FROM public.pgbouncer_get_auth($1)'],
    ['admin_users', ADMIN_USER],
    ['stats_users', ADMIN_USER],
    ['pool_mode', poolMode],
    ['server_reset_query', 'DISCARD ALL'],
    ['ignore_startup_parameters', 'extra_float_digits'],
    // Close idle server connections at once after a RELOAD that moved the backend (the failover redirect).
    ['server_fast_close', 1],
    // Retry a failed backend login at once: after a failover the new primary is ready when the hook reloads us.
    ['server_login_retry', 0],
    ['max_client_conn', maxClientConn],
    ['default_pool_size', hostVar(cluster, instance, 'pgbouncer_default_pool_size')],
    ['client_tls_sslmode', 'require'],
    ['client_tls_cert_file', sslCertPath(instance.name)],
    ['client_tls_key_file', sslKeyPath(instance.name)],
    ['client_tls_protocols', 'secure'],
    // PgBouncer to Postgres: the server's certificate must be the cluster CA's and name the host it asked for.
    ['server_tls_sslmode', 'verify-full'],
    ['server_tls_ca_file', CA_CERT_PATH],
    ['server_tls_protocols', 'secure'],
  ];
  return renderTemplate('roles/pgbouncer/templates/pgbouncer.ini.hbs', {
    databasesFile: DATABASES_INI,
    settings: settings.map(([name, value]) => ({ name, value: String(value) })),
  });
}
