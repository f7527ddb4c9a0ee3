/**
 * Barman servers of a cluster and the host each one backs up.
 *
 * The server backing up config.yml's primary is named after the CLUSTER, not
 * after a host: a physical failover keeps the system identifier (Barman's
 * `systemid coherence` check compares it with the server's identity.json)
 * and only starts a new timeline, which Barman archives like any other. So
 * the same server can follow the primary to another host and keep listing,
 * and restoring, the backups it took before. TPA names servers after the
 * backed-up host, so after a failover a new name means starting from zero.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { hasRole } from '../../inventory/cluster.js';
import { configuredPrimary, effectivePrimary, type LiveState } from '../../inventory/liveTopology.js';
import { hostVar, varError } from '../../config/vars.js';

/** Barman server names: the section name in /etc/barman.d, a directory under barman_home. */
export function sanitizeServerName(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return s === '' || s === 'all' ? `m1_${s || 'cluster'}` : s;
}

export interface BarmanServer {
  /** Section name in /etc/barman.d/<name>.conf. */
  name: string;
  /** The Barman host holding it. */
  barmanHost: string;
  /** The instance config.yml puts `backup:` on. */
  configuredInstance: string;
  /** True when it backs up whichever host is primary (backup: on config.yml's primary). */
  followsPrimary: boolean;
}

function serverFor(cluster: Cluster, i: Instance): BarmanServer {
  const followsPrimary = i.name === configuredPrimary(cluster).name;
  // The spec admits exactly the names sanitizeServerName leaves as they are.
  const explicit = hostVar(cluster, i, 'backup_name');
  const name = explicit ?? sanitizeServerName(followsPrimary ? cluster.name : `${cluster.name}_${i.name}`);
  return { name, barmanHost: i.backup!, configuredInstance: i.name, followsPrimary };
}

export function barmanServers(cluster: Cluster): BarmanServer[] {
  const servers = cluster.instances.filter((i) => i.backup !== undefined).map((i) => serverFor(cluster, i));
  for (const s of servers) {
    const barman = cluster.instances.find((i) => i.name === s.barmanHost);
    if (!barman || !hasRole(barman, 'barman')) {
      throw varError(cluster, `instances[${s.configuredInstance}].backup`, `${s.barmanHost} is not an instance with the barman role`);
    }
  }
  const names = servers.map((s) => `${s.barmanHost}/${s.name}`);
  const dup = names.find((n, idx) => names.indexOf(n) !== idx);
  if (dup) throw varError(cluster, 'backup_name', `two instances are backed up as ${dup}; set vars.backup_name on one of them`);
  return servers;
}

/** The host a server must back up now: the live primary for the cluster's server. */
export function backupTarget(cluster: Cluster, live: LiveState, server: BarmanServer): string {
  return server.followsPrimary ? effectivePrimary(cluster, live) : server.configuredInstance;
}

/** The server that follows the primary, if the cluster has one. */
export function primaryBarmanServer(cluster: Cluster): BarmanServer | undefined {
  return barmanServers(cluster).find((s) => s.followsPrimary);
}

/** Barman host backing up the primary (for restore_command), if any. */
export function barmanHostFor(cluster: Cluster): string | undefined {
  return primaryBarmanServer(cluster)?.barmanHost;
}

/** Name of the Barman server backing up the primary; the cluster's name, sanitized, unless backup_name says otherwise. */
export function barmanServerName(cluster: Cluster): string {
  return primaryBarmanServer(cluster)?.name ?? sanitizeServerName(cluster.name);
}

/** `backup_<barman host>`, as TPA: dots dropped, other non-alphanumerics to `_` (slot names allow [a-z0-9_]). */
export function barmanSlotName(barmanHost: string): string {
  return `backup_${barmanHost.toLowerCase().replace(/\./g, '').replace(/[^a-z0-9_]/g, '_')}`;
}
