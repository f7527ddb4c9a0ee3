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
import { VARIABLES } from '../../config/variables.js';
import { POSTGRES_USER } from './layout.js';

export type HbaType = 'local' | 'host' | 'hostssl';
export const AUTH_METHOD = 'scram-sha-256';

export interface HbaEntry {
  type: HbaType;
  database: string;
  user: string;
  /** Absent for `local`. */
  address?: string;
  method: 'peer' | typeof AUTH_METHOD;
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

function hostSection(cluster: Cluster, i: Instance): HbaSection | undefined {
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
  if (hasRole(i, 'pgbouncer')) {
    // PgBouncer logs in as pgbouncer_auth_user for auth_query, then as each client.
    add('all', 'pgbouncer_auth_user');
    add('all', 'all');
  }
  if (entries.length === 0) return undefined;
  return { comment: `${i.name} (${i.roles.join(', ')})`, entries };
}

export function hbaSections(cluster: Cluster): HbaSection[] {
  const sections: HbaSection[] = [
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
  for (const i of [...cluster.instances].sort((a, b) => a.node - b.node)) {
    const s = hostSection(cluster, i);
    if (s) sections.push(s);
  }
  sections.push({
    comment: 'clients, over TLS (cluster_vars.postgres_client_networks)',
    entries: clientNetworks(cluster).map((address) => ({ type: 'hostssl' as const, database: 'all', user: 'all', address, method: AUTH_METHOD })),
  });
  return sections;
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
  const sections = hbaSections(cluster);
  const client = sections.pop()!;
  return renderTemplate('roles/postgres/templates/pg_hba.conf.hbs', {
    sections: sections.map((s) => ({ comment: s.comment, lines: s.entries.map(formatEntry) })),
    extra: extraHbaLines(cluster),
    client: { comment: client.comment, lines: client.entries.map(formatEntry) },
  });
}
