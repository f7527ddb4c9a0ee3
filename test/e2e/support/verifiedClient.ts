/**
 * psql from the test machine as a client outside the cluster would connect:
 * sslmode=verify-full against the cluster CA deploy issued
 * (<cluster-dir>/tls/ca.crt). `name` is what the certificate must carry
 * (libpq checks it), `address` where the connection goes (hostaddr), so a
 * name the test machine cannot resolve is still checked. The password goes
 * through the environment, never the command line.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';

export interface ClientTarget {
  /** The host name (or address) the server's certificate must name. */
  name: string;
  address: string;
  port: number;
  user: string;
  password: string;
  dbname?: string;
  sslmode?: 'verify-full' | 'require' | 'disable';
}

export interface ClientAnswer {
  code: number;
  out: string;
  err: string;
}

export function caCertOf(clusterDir: string): string {
  return join(clusterDir, 'tls', 'ca.crt');
}

export function clientPsql(clusterDir: string, t: ClientTarget, query: string, timeoutSeconds = 5): Promise<ClientAnswer> {
  const conninfo = [
    `host=${t.name}`,
    `hostaddr=${t.address}`,
    `port=${t.port}`,
    `dbname=${t.dbname ?? t.user}`,
    `user=${t.user}`,
    `sslmode=${t.sslmode ?? 'verify-full'}`,
    `sslrootcert=${caCertOf(clusterDir)}`,
    `connect_timeout=${timeoutSeconds}`,
  ].join(' ');
  return new Promise((resolve) => {
    execFile(
      'psql',
      ['-XAtq', '-v', 'ON_ERROR_STOP=1', '-d', conninfo, '-c', query],
      { env: { ...process.env, PGPASSWORD: t.password, PGAPPNAME: 'm1e2e_client' }, timeout: (timeoutSeconds + 10) * 1000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 255) : 0;
        resolve({ code, out: String(stdout).trim(), err: String(stderr).trim() });
      },
    );
  });
}

/** What a verified session reports: TLS in use on the server side, and which server answered. */
export const SESSION_QUERY = "SELECT CASE WHEN ssl THEN 't' ELSE 'f' END || '|' || host(inet_server_addr()) FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
