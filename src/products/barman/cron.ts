/**
 * Cron on the Barman host: `barman cron` every minute (it starts and watches
 * receive-wal, archives streamed WAL, applies retention), the same line as
 * Debian's package file it replaces; and a scheduled base backup per server
 * (TPA: Wednesdays and Saturdays at 04:00, `barman_backup_interval`).
 */
import type { Cluster } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { clusterVar } from '../../config/vars.js';
import { BARMAN_BIN, BARMAN_USER } from './layout.js';

export function barmanCron(): string {
  return renderTemplate('roles/barman/templates/cron.hbs', { user: BARMAN_USER, barman: BARMAN_BIN });
}

export function backupSchedule(cluster: Cluster): string {
  // Five plain cron fields (the spec refuses @keywords and anything after them): a line of /etc/cron.d, run as root.
  return clusterVar(cluster, 'barman_backup_interval');
}

export function backupCron(cluster: Cluster, server: string): string {
  return renderTemplate('roles/barman/templates/backup-cron.hbs', { schedule: backupSchedule(cluster), user: BARMAN_USER, barman: BARMAN_BIN, server });
}
