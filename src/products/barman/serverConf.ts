/**
 * /etc/barman.d/<server>.conf (0600, barman): one Barman server backing up
 * the host that is primary NOW (the live state, not config.yml), with WAL
 * streamed through the slot backup_<barman host>. After a failover or a
 * switchover only conninfo, streaming_conninfo and ssh_command change; the
 * server name, and so its backups, stay (see serverName.ts and README.md).
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import type { LiveState } from '../../inventory/liveTopology.js';
import { quoteAll } from '../../engine/shell/quote.js';
import { hostVar } from '../../config/vars.js';
import { POSTGRES_PORT, POSTGRES_USER, binDir } from '../postgres/layout.js';
import { VERIFY_CLUSTER_SERVER } from '../postgres/certificates.js';
import { iniSection, type BarmanValue } from './ini.js';
import { backupTarget, barmanSlotName, type BarmanServer } from './serverName.js';

export type BarmanBackupMethod = 'rsync' | 'postgres';

export function backupMethod(cluster: Cluster, barmanHost?: Instance): BarmanBackupMethod {
  return hostVar(cluster, barmanHost, 'barman_backup_method');
}

/** Where Barman reaches the backed-up host (application_name shows it in pg_stat_activity). */
export function barmanConninfo(target: string): string {
  return `host=${target} port=${POSTGRES_PORT} dbname=postgres user=barman application_name=barman connect_timeout=10 ${VERIFY_CLUSTER_SERVER}`;
}
export function barmanStreamingConninfo(target: string): string {
  return `host=${target} port=${POSTGRES_PORT} dbname=postgres user=streaming_barman application_name=barman_streaming connect_timeout=10 ${VERIFY_CLUSTER_SERVER}`;
}
export function barmanSshCommand(target: string): string {
  return quoteAll(['ssh', '-q', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', `${POSTGRES_USER}@${target}`]);
}

export function barmanServerSettings(cluster: Cluster, server: BarmanServer, target: string): [string, BarmanValue][] {
  const method = backupMethod(cluster);
  const s: [string, BarmanValue][] = [
    ['description', server.followsPrimary ? `M1 cluster ${cluster.name}: whichever node is primary` : `M1 cluster ${cluster.name}: ${server.configuredInstance}`],
    ['active', true],
    ['conninfo', barmanConninfo(target)],
    ['streaming_conninfo', barmanStreamingConninfo(target)],
    ['ssh_command', barmanSshCommand(target)],
    ['backup_method', method],
  ];
  if (method === 'rsync') s.push(['backup_options', 'concurrent_backup'], ['reuse_backup', 'link']);
  s.push(
    // WAL arrives by streaming only; archive_command stays /bin/true on the nodes.
    ['archiver', false],
    ['streaming_archiver', true],
    ['slot_name', barmanSlotName(server.barmanHost)],
    // barman cron creates the slot when it is missing (on a new primary after a failover).
    ['create_slot', 'auto'],
    // pg_receivewal and pg_basebackup of the cluster's version, not whatever is first in PATH.
    ['path_prefix', binDir(cluster.postgresVersion)],
  );
  return s;
}

export function barmanServerConf(cluster: Cluster, live: LiveState, server: BarmanServer): string {
  const target = backupTarget(cluster, live, server);
  return renderTemplate('roles/barman/templates/server.conf.hbs', { server: server.name, section: iniSection(server.name, barmanServerSettings(cluster, server, target)) });
}

/** The host a server conf currently backs up (host= of its conninfo), for change detection and status. */
export function serverConfTarget(text: string): string | undefined {
  const m = /^conninfo\s*=\s*(.*)$/m.exec(text);
  return m ? /(?:^|\s)host=([^\s]+)/.exec(m[1]!)?.[1] : undefined;
}
