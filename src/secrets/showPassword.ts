/**
 * `m1 show-password <dir> <user>` as a library call: the stored password of
 * one user, or a UsageError (exit 2) naming the users that have one.
 */
import { readdir } from 'node:fs/promises';
import { loadCluster } from '../config/load.js';
import { UsageError } from '../errors.js';
import { readSecret, secretsDir } from './store.js';

/** Users with a stored password in <cluster-dir>/secrets, sorted. */
export async function storedPasswordUsers(clusterDir: string): Promise<string[]> {
  const files = await readdir(secretsDir(clusterDir)).catch(() => [] as string[]);
  return files.filter((f) => f.endsWith('.password')).map((f) => f.slice(0, -'.password'.length)).sort();
}

export async function showPassword(dir: string, user: string): Promise<string> {
  const { cluster } = await loadCluster(dir);
  const users = await storedPasswordUsers(cluster.dir);
  if (!users.includes(user)) {
    const known = users.length ? `known: ${users.join(', ')}` : `none stored yet; run \`m1 deploy ${dir}\` first`;
    throw new UsageError(`no password stored for ${user} in ${secretsDir(cluster.dir)} (${known})`);
  }
  return readSecret(cluster.dir, user);
}
