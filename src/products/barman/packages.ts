import type { PostgresVersion } from '../../inventory/cluster.js';
import { clientPackage } from '../postgres/layout.js';

/** Packages on the Barman host: Barman, its client tools, pg_receivewal/pg_basebackup of the cluster's version (`pin`: its package version), rsync, cron. */
export function barmanPackages(version: PostgresVersion, pin?: string): string[] {
  return ['barman', 'barman-cli', clientPackage(version, pin), 'rsync', 'cron'];
}
