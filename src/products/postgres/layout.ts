/**
 * Where Postgres lives on a host (Debian packages). One data directory and
 * one systemd service per host, m1's own (see README.md): the package's
 * default cluster is never created or is dropped, never left running beside.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { quoteAll } from '../../engine/shell/quote.js';

export const POSTGRES_USER = 'postgres';
export const POSTGRES_GROUP = 'postgres';
/** Debian's home of the postgres user (created by postgresql-common). */
export const POSTGRES_HOME = '/var/lib/postgresql';
export const POSTGRES_PORT = 5432;
export const POSTGRES_SERVICE = 'postgres';
export const SOCKET_DIR = '/var/run/postgresql';
/** TPA's default PGDATA; configuration lives in it (postgresql.conf, conf.d/, pg_hba.conf). */
export const DATA_DIR = '/opt/postgres/data';
export const CONF_D = `${DATA_DIR}/conf.d`;
export const SERVICE_UNIT_PATH = `/etc/systemd/system/${POSTGRES_SERVICE}.service`;
export const TMPFILES_PATH = '/etc/tmpfiles.d/m1-postgres.conf';
export const SUDOERS_PATH = '/etc/sudoers.d/m1-postgres';
/** Per-host TLS certificate and key (self-signed), readable by postgres only. */
export const SSL_DIR = '/etc/m1/ssl';

export function binDir(version: PostgresVersion): string {
  return `/usr/lib/postgresql/${version}/bin`;
}

export function sslCertPath(host: string): string {
  return `${SSL_DIR}/${host}.crt`;
}

export function sslKeyPath(host: string): string {
  return `${SSL_DIR}/${host}.key`;
}

/** Debian package names for a version (server, client, repmgr). */
export function serverPackages(version: PostgresVersion, pin?: string): string[] {
  return [pinned(`postgresql-${version}`, pin), clientPackage(version, pin)];
}

/** The client package (psql, pg_basebackup...), `=version` when config.yml pins one (postgres_package_version). */
export function clientPackage(version: PostgresVersion, pin?: string): string {
  return pinned(`postgresql-client-${version}`, pin);
}

/** `name=pin`: the version apt installs on a host without the package (an installed one is left as it is). */
function pinned(name: string, pin: string | undefined): string {
  return pin === undefined ? name : `${name}=${pin}`;
}

/**
 * postgresql-common's createcluster.conf, written before the packages are
 * installed, so that installing postgresql-<V> creates no `<V>/main` cluster.
 * The drop below covers hosts where the packages came first (test images).
 */
export const CREATECLUSTER_CONF_PATH = '/etc/postgresql-common/createcluster.conf';
export function createclusterConf(): string {
  return [
    '# m1: Postgres runs as the m1-managed `postgres` service from /opt/postgres/data;',
    '# installing a server package must not create and start a second cluster.',
    'create_main_cluster = false',
    '',
  ].join('\n');
}

/**
 * Drops the package's default cluster `<V>/main` (stopping it first) when it
 * exists; prints `dropped` when it did something, nothing otherwise. Safe to
 * run every time. Refuses to touch a `main` cluster whose data directory is
 * m1's own (someone registered it with pg_createcluster): that is data.
 */
export function dropDefaultClusterCommand(version: PostgresVersion): string {
  const v = String(version);
  const conf = `/etc/postgresql/${v}/main`;
  return [
    `if [ -d ${conf} ]; then`,
    `  if grep -qs "^data_directory *= *'${DATA_DIR}'" ${conf}/postgresql.conf; then echo "refusing: ${conf} manages ${DATA_DIR}" >&2; exit 3; fi;`,
    `  ${quoteAll(['pg_dropcluster', '--stop', v, 'main'])} && echo dropped;`,
    'fi',
  ].join('\n');
}

/**
 * initdb for the primary and a repmgr witness (replicas are cloned instead):
 * data checksums on, UTC, the locale given (TPA: en_US.UTF-8; C.UTF-8 always
 * exists on Debian). Run as postgres, only when PG_VERSION is absent.
 */
export function initdbCommand(version: PostgresVersion, locale = 'C.UTF-8'): string {
  return `TZ=UTC LC_ALL=${locale} ` + quoteAll([`${binDir(version)}/initdb`, '-D', DATA_DIR, '--data-checksums', '--auth-local=peer', '--auth-host=scram-sha-256', `--locale=${locale}`, '--encoding=UTF8']);
}

/** /etc/tmpfiles.d entry: the socket directory exists at boot, group-writable as Debian makes it. */
export function tmpfilesConf(): string {
  return `d ${SOCKET_DIR} 2775 ${POSTGRES_USER} ${POSTGRES_GROUP} - -\n`;
}
