/**
 * Who takes part in the Patroni cluster and the replication slots named
 * after them.
 */
import { hasRole, type Cluster, type Instance } from '../../inventory/cluster.js';

/** The data nodes: primary and replicas, in node order. Each is a Patroni member named after its instance. */
export function patroniMembers(cluster: Cluster): Instance[] {
  return cluster.instances.filter((i) => hasRole(i, 'primary') || hasRole(i, 'replica'));
}

/**
 * The physical slot Patroni uses for a member, exactly as Patroni 3.0 derives
 * it (patroni/dcs/__init__.py slot_name_from_member_name): lower case, "-"
 * and "." become "_", any other character outside [a-z0-9_] becomes
 * u<codepoint, 4 digits>, cut to 63 characters. The postgres role must use
 * the same name for primary_slot_name on Patroni clusters.
 */
export function patroniSlotName(member: string): string {
  const mapped = member
    .toLowerCase()
    .replace(/[^a-z0-9_]/gu, (c) => (c === '-' || c === '.' ? '_' : `u${String(c.codePointAt(0)).padStart(4, '0')}`));
  return mapped.slice(0, 63);
}

/**
 * The slot Barman's `receive-wal --create-slot` uses: backup_<barman host>
 * with dots dropped and "-" turned into "_" (reference 4.6), lower-cased
 * because slot names must be [a-z0-9_].
 */
export function barmanSlotName(barmanHost: string): string {
  return `backup_${barmanHost.replace(/\./g, '').replace(/-/g, '_')}`.toLowerCase();
}

/** Barman hosts whose slots live on the data nodes: every instance with role barman that backs one up. */
export function barmanHosts(cluster: Cluster): string[] {
  const members = new Set(patroniMembers(cluster).map((m) => m.name));
  const backers = new Set(
    cluster.instances.filter((i) => members.has(i.name) && i.backup !== undefined).map((i) => i.backup!),
  );
  return cluster.instances.filter((i) => hasRole(i, 'barman') && backers.has(i.name)).map((i) => i.name);
}

export function pgbouncerHosts(cluster: Cluster): Instance[] {
  return cluster.instances.filter((i) => hasRole(i, 'pgbouncer'));
}
