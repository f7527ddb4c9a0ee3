/**
 * Application users and databases (TPA's postgres_users and
 * postgres_databases). When config.yml sets neither, m1 makes one user `app`
 * owning database `app`, so clients, benches and tests have a non-superuser
 * to log in as from outside the cluster (superusers are refused there: hba.ts,
 * pgbouncer_get_auth()).
 */
import type { Cluster } from '../../inventory/cluster.js';
import { clusterVar } from '../../config/vars.js';
import type { PostgresDatabaseEntry, PostgresUserEntry } from '../../config/variables.js';
import { ident, literal } from './sqlQuote.js';
import type { DesiredRole, RoleAttributes } from './users.js';

export type { PostgresDatabaseEntry, PostgresUserEntry };

/** The user and database m1 makes when config.yml names none. */
export const DEFAULT_APP = 'app';

/** Both variables have no default: unset reads as undefined. */
function neitherSet(cluster: Cluster): boolean {
  return clusterVar(cluster, 'postgres_users') === undefined && clusterVar(cluster, 'postgres_databases') === undefined;
}

export function applicationUsers(cluster: Cluster): PostgresUserEntry[] {
  if (neitherSet(cluster)) return [{ username: DEFAULT_APP, generate_password: true, role_attrs: [], granted_roles: [] }];
  return clusterVar(cluster, 'postgres_users') ?? [];
}

export function applicationDatabases(cluster: Cluster): PostgresDatabaseEntry[] {
  if (neitherSet(cluster)) return [{ name: DEFAULT_APP, owner: DEFAULT_APP, extensions: [] }];
  return clusterVar(cluster, 'postgres_databases') ?? [];
}

/** Users whose password m1 generates into secrets/. */
export function applicationPasswordUsers(cluster: Cluster): string[] {
  return applicationUsers(cluster)
    .filter((u) => u.generate_password)
    .map((u) => u.username);
}

/** A user's attributes: a plain login role, then its role_attrs in order (the last of SUPERUSER/NOSUPERUSER wins). */
export function applicationAttributes(u: PostgresUserEntry): RoleAttributes {
  const a: RoleAttributes = { superuser: false, login: true, replication: false, createdb: false, createrole: false };
  for (const attr of u.role_attrs) {
    const on = !attr.startsWith('NO');
    const key = (on ? attr : attr.slice(2)).toLowerCase() as keyof RoleAttributes;
    a[key] = on;
  }
  return a;
}

/** The role as it must be; `verifier` undefined for a user without a generated password (its password is left alone). */
export function applicationRole(u: PostgresUserEntry, verifier: string | undefined): DesiredRole {
  return { name: u.username, attributes: applicationAttributes(u), ...(verifier !== undefined ? { verifier } : {}), memberOf: u.granted_roles };
}

/** Application users that may log in with superuser or replication rights: kept inside the cluster like m1's own. */
export function privilegedApplicationUsers(cluster: Cluster): string[] {
  return applicationUsers(cluster)
    .filter((u) => {
      const a = applicationAttributes(u);
      return a.superuser || a.replication;
    })
    .map((u) => u.username);
}

/** CREATE DATABASE when missing (psql's \gexec: CREATE DATABASE cannot run in a DO block). */
export function createDatabaseSql(d: PostgresDatabaseEntry): string {
  const opts: string[] = [`OWNER %I`];
  const args: string[] = [literal(d.name), literal(d.owner)];
  for (const [k, sql] of [
    ['template', 'TEMPLATE'],
    ['encoding', 'ENCODING'],
    ['lc_collate', 'LC_COLLATE'],
    ['lc_ctype', 'LC_CTYPE'],
  ] as const) {
    const v = d[k];
    if (v === undefined) continue;
    opts.push(`${sql} %L`);
    args.push(literal(v));
  }
  // TEMPLATE takes a name, not a string.
  const format = `CREATE DATABASE %I ${opts.join(' ')}`.replace('TEMPLATE %L', 'TEMPLATE %I');
  return (
    `SELECT format(${literal(format)}, ${args.join(', ')})\n` +
    ` WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = ${literal(d.name)})\\gexec\n`
  );
}

/** The extensions of `d` missing from `present`, created (in a session connected to `d`). */
export function missingExtensions(d: PostgresDatabaseEntry, present: readonly string[]): string[] {
  return d.extensions.filter((e) => !present.includes(e));
}

export function createExtensionsSql(extensions: readonly string[]): string {
  return extensions.map((e) => `CREATE EXTENSION IF NOT EXISTS ${ident(e)};\n`).join('');
}

/** Who m1 logs in as from outside, the way a client does (entry-point checks, benches). */
export interface ClientLogin {
  user: string;
  database: string;
}

/**
 * The first application user that can log in with a generated password and
 * no superuser or replication right, with a database it owns (else
 * `postgres`); undefined when config.yml names none.
 */
export function clientLogin(cluster: Cluster): ClientLogin | undefined {
  const u = applicationUsers(cluster).find((x) => {
    const a = applicationAttributes(x);
    return x.generate_password && a.login && !a.superuser && !a.replication;
  });
  if (!u) return undefined;
  const owned = applicationDatabases(cluster).find((d) => d.owner === u.username);
  return { user: u.username, database: owned?.name ?? 'postgres' };
}
