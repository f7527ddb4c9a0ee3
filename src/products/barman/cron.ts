/**
 * Cron on the Barman host: `barman cron` every minute (it starts and watches
 * receive-wal, archives streamed WAL, applies retention), the same line as
 * Debian's package file it replaces; and a scheduled base backup per server
 * (TPA: Wednesdays and Saturdays at 04:00, `barman_backup_interval`).
 */
import type { Cluster } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { stringVar, varError } from '../../config/vars.js';
import { BARMAN_BIN, BARMAN_USER } from './layout.js';

export function barmanCron(): string {
  return renderTemplate('roles/barman/templates/cron.hbs', { user: BARMAN_USER, barman: BARMAN_BIN });
}

export function backupSchedule(cluster: Cluster): string {
  const s = stringVar(cluster, undefined, 'barman_backup_interval', '0 4 * * wed,sat');
  if (s.trim().split(/\s+/).length !== 5 || /[\r\n]/.test(s)) throw varError(cluster, 'cluster_vars.barman_backup_interval', `expected five cron fields, got ${JSON.stringify(s)}`);
  return s.trim().split(/\s+/).join(' ');
}

export function backupCron(cluster: Cluster, server: string): string {
  return renderTemplate('roles/barman/templates/backup-cron.hbs', { schedule: backupSchedule(cluster), user: BARMAN_USER, barman: BARMAN_BIN, server });
}
