/**
 * pg_hba.conf (reference 4.4, with scram-sha-256 everywhere):
 * - local connections by peer (m1 runs psql as postgres over the socket);
 * - loopback TCP with a password;
 * - for each cluster host, by address: what its roles need (replication only
 *   from Postgres hosts and, for streaming_barman, the Barman host);
 * - lines from `postgres_hba_settings`, as written;
 * - clients over TLS from the networks `postgres_client_networks` names
 *   (default 0.0.0.0/0: any, as TPA, so multi-host connection strings work).
 * The `all` database keyword never matches replication connections, so the
 * client lines open no replication access.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { hasRole, runsPostgres } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { clusterVar } from '../../config/vars.js';
import { M1_DATABASE_USERS, VARIABLES } from '../../config/variables.js';
import { POSTGRES_USER } from './layout.js';
import { privilegedApplicationUsers } from './applications.js';

export type HbaType = 'local' | 'host' | 'hostssl';
export const AUTH_METHOD = 'scram-sha-256';

export interface HbaEntry {
  type: HbaType;
  database: string;
  user: string;
  /** Absent for `local`. */
  address?: string;
  method: 'peer' | 'reject' | typeof AUTH_METHOD;
}

export interface HbaSection {
  comment: string;
  entries: HbaEntry[];
}

export const DEFAULT_CLIENT_NETWORKS: readonly string[] = VARIABLES.postgres_client_networks.default;

/** An address for a host's lines: its IP as a /32 (or /128), else its name (resolved through /etc/hosts). */
export function hostAddress(i: Instance): string {
  if (!i.ipAddress) return i.name;
  return i.ipAddress.includes(':') ? `${i.ipAddress}/128` : `${i.ipAddress}/32`;
}

/** cluster_vars.postgres_client_networks (each an address/prefix, checked by its spec). */
export function clientNetworks(cluster: Cluster): string[] {
  return clusterVar(cluster, 'postgres_client_networks');
}

/**
 * Database users that may log in only from inside the cluster: m1's superusers
 * and service users, and application users given SUPERUSER or REPLICATION.
 */
export function insideOnlyUsers(cluster: Cluster): string[] {
  return [...new Set([...M1_DATABASE_USERS, ...privilegedApplicationUsers(cluster)])];
}


/** Lines for a host inside the cluster: what its roles need, superusers and service users included. */
function insideSection(cluster: Cluster, i: Instance): HbaSection | undefined {
  const address = hostAddress(i);
  const entries: HbaEntry[] = [];
  const add = (database: string, user: string): void => {
    if (!entries.some((e) => e.database === database && e.user === user)) entries.push({ type: 'hostssl', database, user, address, method: AUTH_METHOD });
  };
  if (runsPostgres(i, cluster.failoverManager)) {
    add('all', 'all');
    add('replication', 'all');
  }
  if (hasRole(i, 'barman')) {
    add('postgres', 'barman');
    add('replication', 'streaming_barman');
  }
  // PgBouncer logs in as pgbouncer_auth_user for auth_query, then as each client (below, if the host runs no Postgres).
  if (hasRole(i, 'pgbouncer')) add('all', 'pgbouncer_auth_user');
  if (entries.length === 0) return undefined;
  return { comment: `${i.name} (${i.roles.join(', ')})`, entries };
}

/** Hosts that only pass clients on (HAProxy, a PgBouncer without Postgres): application users only. */
function proxySection(cluster: Cluster, i: Instance): HbaSection | undefined {
  if (runsPostgres(i, cluster.failoverManager) || !(hasRole(i, 'haproxy') || hasRole(i, 'pgbouncer'))) return undefined;
  return { comment: `${i.name} (${i.roles.join(', ')}): its clients`, entries: [{ type: 'hostssl', database: 'all', user: 'all', address: hostAddress(i), method: AUTH_METHOD }] };
}

export interface HbaLayout {
  /** local, loopback and the cluster's own hosts. */
  inside: HbaSection[];
  /** After postgres_hba_settings: superusers refused, then proxies and clients. */
  outside: HbaSection[];
}

export function hbaLayout(cluster: Cluster): HbaLayout {
  const inside: HbaSection[] = [
    {
      comment: 'local connections: the OS user is the database user',
      entries: [
        { type: 'local', database: 'all', user: POSTGRES_USER, method: 'peer' },
        { type: 'local', database: 'replication', user: 'all', method: 'peer' },
        { type: 'local', database: 'all', user: 'all', method: 'peer' },
      ],
    },
    {
      comment: 'loopback',
      entries: ['127.0.0.1/32', '::1/128'].flatMap((address) => [
        { type: 'host' as const, database: 'all', user: 'all', address, method: AUTH_METHOD },
        { type: 'host' as const, database: 'replication', user: 'all', address, method: AUTH_METHOD },
      ]),
    },
  ];
  const hosts = [...cluster.instances].sort((a, b) => a.node - b.node);
  for (const i of hosts) {
    const s = insideSection(cluster, i);
    if (s) inside.push(s);
  }
  const users = insideOnlyUsers(cluster).join(',');
  const outside: HbaSection[] = [
    {
      comment: 'superusers and service users: from the hosts above only (HAProxy and clients never)',
      entries: ['0.0.0.0/0', '::/0'].map((address) => ({ type: 'host' as const, database: 'all', user: users, address, method: 'reject' as const })),
    },
  ];
  for (const i of hosts) {
    const s = proxySection(cluster, i);
    if (s) outside.push(s);
  }
  outside.push({
    comment: 'clients, over TLS (cluster_vars.postgres_client_networks)',
    entries: clientNetworks(cluster).map((address) => ({ type: 'hostssl' as const, database: 'all', user: 'all', address, method: AUTH_METHOD })),
  });
  return { inside, outside };
}

/** Every section in file order (postgres_hba_settings' lines go between inside and outside). */
export function hbaSections(cluster: Cluster): HbaSection[] {
  const { inside, outside } = hbaLayout(cluster);
  return [...inside, ...outside];
}

/** Extra lines from `postgres_hba_settings` (cluster_vars), written as given, before the client lines (one line per item: its spec refuses line breaks). */
export function extraHbaLines(cluster: Cluster): string[] {
  return clusterVar(cluster, 'postgres_hba_settings');
}

function formatEntry(e: HbaEntry): string {
  const cols = e.type === 'local' ? [e.type, e.database, e.user, '', e.method] : [e.type, e.database, e.user, e.address ?? '', e.method];
  const widths = [8, 12, 20, 20];
  return cols
    .map((c, idx) => (idx < widths.length ? c.padEnd(widths[idx]!) : c))
    .join(' ')
    .replace(/\s+$/, '');
}

export function pgHbaConf(cluster: Cluster): string {
  const { inside, outside } = hbaLayout(cluster);
  const render = (sections: HbaSection[]) => sections.map((s) => ({ comment: s.comment, lines: s.entries.map(formatEntry) }));
  return renderTemplate('roles/postgres/templates/pg_hba.conf.hbs', {
    inside: render(inside),
    extra: extraHbaLines(cluster),
    outside: render(outside),
  });
}
