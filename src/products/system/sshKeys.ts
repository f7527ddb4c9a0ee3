/**
 * SSH between the cluster's service users, as repmgr (switchover, rejoin),
 * the PgBouncer redirect and Barman (rsync backups, recover) need it:
 * - postgres reaches postgres on every Postgres node, on every PgBouncer host
 *   and barman on every Barman host;
 * - barman reaches postgres on every Postgres node.
 * One key pair per service user for the whole cluster, generated once in the
 * cluster directory (keys/id_postgres, keys/id_barman), installed on the hosts
 * where that user starts connections.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { ConfigError } from '../../errors.js';
import { join } from 'node:path';
import type { Cluster } from '../../inventory/cluster.js';
import { hasRole, runsPostgres } from '../../inventory/cluster.js';
import { writeFileAtomic } from '../../inventory/localFiles.js';
import { generateKeyPair, parsePublicKey, type PublicKey } from '../../platforms/sshKeys.js';

export type ServiceUser = 'postgres' | 'barman';
export const SERVICE_USERS: readonly ServiceUser[] = ['postgres', 'barman'];

export const KEYS_DIR = 'keys';

/** keys/id_<user>, relative to the cluster directory. */
export function serviceKeyFile(user: ServiceUser): string {
  return join(KEYS_DIR, `id_${user}`);
}

export interface ServiceKey {
  user: ServiceUser;
  /** Absolute path of the private key. */
  privateKeyPath: string;
  privateKey: string;
  /** `ssh-ed25519 <base64> m1-<cluster>-<user>` */
  publicKey: string;
  /** True when this call generated it. */
  created: boolean;
}

/** The key pair of a service user, generated (ed25519, 0600, exclusive create) when missing. */
export async function ensureServiceKey(clusterDir: string, clusterName: string, user: ServiceUser): Promise<ServiceKey> {
  const dir = join(clusterDir, KEYS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const privateKeyPath = join(clusterDir, serviceKeyFile(user));
  const comment = `m1-${clusterName}-${user}`;
  let created = false;
  try {
    const pair = generateKeyPair('ed25519', comment);
    await writeFileAtomic(privateKeyPath, pair.privateKey, { mode: 0o600, exclusive: true });
    await writeFileAtomic(`${privateKeyPath}.pub`, pair.publicKey + '\n', { mode: 0o644 });
    created = true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  const privateKey = await readFile(privateKeyPath, 'utf8');
  const publicKey = (await readFile(`${privateKeyPath}.pub`, 'utf8')).trim();
  if (!parsePublicKey(publicKey)) throw new ConfigError([{ file: `${privateKeyPath}.pub`, path: '', message: 'not an OpenSSH public key line' }]);
  return { user, privateKeyPath, privateKey, publicKey, created };
}

/** `user` on any host holding its key may log in as `as` on `host`. */
export interface SshGrant {
  user: ServiceUser;
  host: string;
  as: ServiceUser;
}

function postgresHosts(cluster: Cluster): string[] {
  return cluster.instances.filter((i) => runsPostgres(i, cluster.failoverManager)).map((i) => i.name);
}

function hostsWithRole(cluster: Cluster, role: 'barman' | 'pgbouncer'): string[] {
  return cluster.instances.filter((i) => hasRole(i, role)).map((i) => i.name);
}

export function sshGrants(cluster: Cluster): SshGrant[] {
  const grants: SshGrant[] = [];
  const add = (user: ServiceUser, host: string, as: ServiceUser): void => {
    if (!grants.some((g) => g.user === user && g.host === host && g.as === as)) grants.push({ user, host, as });
  };
  const pg = postgresHosts(cluster);
  for (const h of pg) add('postgres', h, 'postgres');
  for (const h of hostsWithRole(cluster, 'pgbouncer')) add('postgres', h, 'postgres');
  for (const h of hostsWithRole(cluster, 'barman')) add('postgres', h, 'barman');
  for (const h of pg) add('barman', h, 'postgres');
  return grants;
}

/** Which service users' private keys go on `host` (those that start connections from it). */
export function keysInstalledOn(cluster: Cluster, host: string): ServiceUser[] {
  const out: ServiceUser[] = [];
  const pgbouncer = hostsWithRole(cluster, 'pgbouncer');
  if (postgresHosts(cluster).includes(host) || pgbouncer.includes(host)) out.push('postgres');
  if (hostsWithRole(cluster, 'barman').includes(host)) out.push('barman');
  return out;
}

/** Where a service user's key lives on a host (the name ssh tries by default for ed25519). */
export function installedKeyPath(home: string): { privateKey: string; publicKey: string } {
  return { privateKey: `${home}/.ssh/id_ed25519`, publicKey: `${home}/.ssh/id_ed25519.pub` };
}

/** The public key lines `as`@`host` must accept, one per granted service user, sorted. */
export function authorizedKeyLines(cluster: Cluster, host: string, as: ServiceUser, publicKeys: Readonly<Record<ServiceUser, string>>): string[] {
  const users = sshGrants(cluster)
    .filter((g) => g.host === host && g.as === as)
    .map((g) => g.user);
  return [...new Set(users)].sort().map((u) => publicKeys[u].trim());
}

/**
 * /etc/ssh/ssh_known_hosts: every cluster host by name and address, with the
 * host keys provision recorded, so service users connect with strict host key
 * checking and no first-use prompt.
 */
export function sshKnownHosts(cluster: Cluster, hostKeys: Readonly<Record<string, readonly PublicKey[]>>): string {
  const lines: string[] = [];
  for (const i of [...cluster.instances].sort((a, b) => a.node - b.node)) {
    const keys = hostKeys[i.name];
    if (!keys || keys.length === 0) continue;
    const pattern = i.ipAddress ? `${i.name},${i.ipAddress}` : i.name;
    for (const k of keys) lines.push(`${pattern} ${k.algorithm} ${k.base64}`);
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}

/** ~/.ssh/config of a service user: fail fast on a dead host (the promote hook must not hang). */
export function serviceSshConfig(): string {
  return ['Host *', '    ConnectTimeout 5', '    BatchMode yes', '    StrictHostKeyChecking yes', ''].join('\n');
}
