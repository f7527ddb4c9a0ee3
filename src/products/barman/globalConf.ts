/**
 * /etc/barman.conf (reference 5.5), with m1's choices:
 * - minimum_redundancy 1 (TPA: 3, so TPA takes three backups before `barman
 *   check` passes; m1 takes one);
 * - no recovery_options: `barman recover` copies the WAL a backup needs into
 *   the recovered directory, which then starts on its own (get-wal, TPA's
 *   choice, makes it call back into Barman as the user starting it);
 * - immediate_checkpoint: a backup starts at once instead of waiting for the
 *   next scheduled checkpoint (up to checkpoint_timeout, 30 min here).
 * Option names are Barman 3.4's (barman/config.py of Debian's 3.4.0).
 */
import type { Cluster } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { clusterVar } from '../../config/vars.js';
import { iniSection, type BarmanValue } from './ini.js';
import { BARMAN_CONF_D, BARMAN_HOME, BARMAN_LOG, BARMAN_USER } from './layout.js';

export function barmanGlobalSettings(cluster: Cluster): [string, BarmanValue][] {
  return [
    ['barman_user', BARMAN_USER],
    ['barman_home', BARMAN_HOME],
    ['configuration_files_directory', BARMAN_CONF_D],
    ['log_file', BARMAN_LOG],
    ['log_level', 'INFO'],
    ['compression', 'gzip'],
    ['parallel_jobs', 1],
    ['immediate_checkpoint', true],
    ['network_compression', false],
    ['basebackup_retry_times', 3],
    ['basebackup_retry_sleep', 30],
    ['minimum_redundancy', clusterVar(cluster, 'barman_minimum_redundancy')],
    ['retention_policy', clusterVar(cluster, 'barman_retention_policy')],
    ['last_backup_maximum_age', clusterVar(cluster, 'barman_last_backup_maximum_age')],
  ];
}

export function barmanConf(cluster: Cluster): string {
  return renderTemplate('roles/barman/templates/barman.conf.hbs', { section: iniSection('barman', barmanGlobalSettings(cluster)) });
}
