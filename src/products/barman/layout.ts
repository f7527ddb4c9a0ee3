/** Barman's paths on the Barman host (Debian's package defaults). */
export const BARMAN_USER = 'barman';
export const BARMAN_HOME = '/var/lib/barman';
export const BARMAN_CONF = '/etc/barman.conf';
export const BARMAN_CONF_D = '/etc/barman.d';
export const BARMAN_LOG = '/var/log/barman/barman.log';
export const BARMAN_BIN = '/usr/bin/barman';
export const BARMAN_CRON = '/etc/cron.d/barman';
export const BARMAN_PGPASS = `${BARMAN_HOME}/.pgpass`;

export function serverConfPath(server: string): string {
  return `${BARMAN_CONF_D}/${server}.conf`;
}

/** cron.d file names may only hold letters, digits, _ and - (run-parts). */
export function backupCronPath(server: string): string {
  return `/etc/cron.d/barman-backup-${server.replace(/[^A-Za-z0-9_-]/g, '_')}`;
}
