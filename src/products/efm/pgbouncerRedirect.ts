/**
 * PgBouncer with EFM: EFM has no PgBouncer integration of its own (TPA
 * leaves it to a VIP). m1 ships a small script that rewrites the local
 * PgBouncer's databases file to point at the new primary and reloads it;
 * the user turns it on through efm_conf_settings (see README.md):
 *
 *   script.post.promotion: /usr/local/bin/m1-efm-pgbouncer-redirect %p
 *   script.remote.post.promotion: /usr/local/bin/m1-efm-pgbouncer-redirect %p
 *
 * EFM runs the first on the node it just promoted and the second on every
 * other node with a running agent, so each PgBouncer is repointed by its own
 * host: no SSH between hosts is needed.
 */
import { type Cluster, type Instance, hasRole } from '../../inventory/cluster.js';
import { postgresSettings } from './postgresVars.js';
import { quote } from '../../engine/shell/quote.js';
import { renderEfmTemplate } from './render.js';

/** Root-owned, outside EFM's efm-owned conf dir: efm may run it as postgres, not rewrite it. */
export const PGBOUNCER_REDIRECT_SCRIPT = '/usr/local/bin/m1-efm-pgbouncer-redirect';
/** The file the pgbouncer role writes `[databases]` entries to (reference 5.6). */
export const PGBOUNCER_DATABASES_FILE = '/etc/pgbouncer/pgbouncer.databases.ini';
export const PGBOUNCER_SERVICE = 'pgbouncer';

/**
 * One `[databases]` line as the pgbouncer role writes it for M1 (every
 * database, through the auth user). Local copy of the pgbouncer role's line
 * form; pass the role's own function to redirectScript to share it.
 */
export function pgbouncerDatabasesLine(host: string, port: number): string {
  return `* = host=${host} port=${port} auth_user=pgbouncer_auth_user`;
}

export type DatabasesLine = (host: string, port: number) => string;

/** True when some instance runs PgBouncer. */
export function clusterHasPgbouncer(cluster: Cluster): boolean {
  return cluster.instances.some((i) => hasRole(i, 'pgbouncer'));
}

/** The efm_conf_settings that turn the redirect on (README.md shows them). */
export function pgbouncerRedirectSettings(): Record<string, string> {
  return {
    'script.post.promotion': `${PGBOUNCER_REDIRECT_SCRIPT} %p`,
    'script.remote.post.promotion': `${PGBOUNCER_REDIRECT_SCRIPT} %p`,
  };
}

export interface RedirectScriptOptions {
  databasesLine?: DatabasesLine;
  /** Overrides for tests: where the file is, and which unit to signal. */
  databasesFile?: string;
  service?: string;
  owner?: string;
}

/**
 * The script for `instance`. On a node without PgBouncer (the witness) it
 * exits 0 with a note, so one efm_conf_settings value serves every node.
 */
export function redirectScript(cluster: Cluster, instance: Instance, options: RedirectScriptOptions = {}): string {
  const pg = postgresSettings(cluster, instance);
  const line = options.databasesLine ?? pgbouncerDatabasesLine;
  // Render the line around a marker to get the text before and after the host.
  const marker = '\u0000NEW_PRIMARY\u0000';
  const parts = line(marker, pg.port).split(marker);
  if (parts.length !== 2 || /[\r\n\u0000]/.test(parts.join(''))) {
    throw new Error('redirectScript: the databases line must hold the host exactly once, on one line');
  }
  const service = options.service ?? PGBOUNCER_SERVICE;
  if (!/^[A-Za-z0-9@._-]+$/.test(service)) throw new Error(`redirectScript: bad unit name ${service}`);
  return renderEfmTemplate('pgbouncer-redirect.sh.hbs', {
    scriptPath: PGBOUNCER_REDIRECT_SCRIPT,
    hasPgbouncer: hasRole(instance, 'pgbouncer'),
    databasesFile: quote(options.databasesFile ?? PGBOUNCER_DATABASES_FILE),
    owner: quote(options.owner ?? pg.user),
    lineBefore: quote(parts[0]!),
    lineAfter: quote(parts[1]!),
    service,
  });
}
