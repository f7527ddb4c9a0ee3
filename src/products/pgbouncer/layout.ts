/** Where PgBouncer's files live on a host (Debian's paths, m1's own unit). */
export const PGBOUNCER_DIR = '/etc/pgbouncer';
export const PGBOUNCER_INI = `${PGBOUNCER_DIR}/pgbouncer.ini`;
export const DATABASES_INI = `${PGBOUNCER_DIR}/pgbouncer.databases.ini`;
export const USERLIST = `${PGBOUNCER_DIR}/userlist.txt`;
export const PGBOUNCER_PORT = 6432;
export const PGBOUNCER_SERVICE = 'pgbouncer';
/** m1's unit; it shadows the unit systemd generates from Debian's /etc/init.d/pgbouncer. */
export const PGBOUNCER_UNIT_PATH = `/etc/systemd/system/${PGBOUNCER_SERVICE}.service`;
export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';
/** PgBouncer runs as postgres (TPA), so the promote hook, also postgres, can rewrite its files. */
export const PGBOUNCER_USER = 'postgres';
export const ADMIN_USER = 'pgbouncer';
export const AUTH_USER = 'pgbouncer_auth_user';
