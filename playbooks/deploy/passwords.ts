/**
 * Every password deploy uses, generated once into <cluster-dir>/secrets/ and
 * registered with the engine's secret registry before anything can print it.
 * In check mode a missing password is not stored: a throwaway value stands in,
 * so --check changes nothing, not even in the cluster directory.
 */
import { access } from 'node:fs/promises';
import type { Secrets } from '../../src/engine/index.js';
import { ensureSecret, generatePassword, readSecret, secretPath } from '../../src/secrets/index.js';
import { PASSWORD_USERS } from '../../src/products/postgres/users.js';

/** Database users, plus PgBouncer's console admin. */
export const DEPLOY_PASSWORD_USERS: readonly string[] = [...PASSWORD_USERS, 'pgbouncer'];

export interface Passwords {
  /** By user name. */
  byUser: Readonly<Record<string, string>>;
  /** Users whose password this run generated and stored. */
  created: string[];
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

export async function ensurePasswords(clusterDir: string, secrets: Secrets, check: boolean, users: readonly string[] = DEPLOY_PASSWORD_USERS): Promise<Passwords> {
  const byUser: Record<string, string> = {};
  const created: string[] = [];
  for (const user of users) {
    let password: string;
    if (check && !(await exists(secretPath(clusterDir, user)))) {
      password = generatePassword();
    } else if (check) {
      password = await readSecret(clusterDir, user);
    } else {
      const s = await ensureSecret(clusterDir, user);
      password = s.password;
      if (s.created) created.push(user);
    }
    byUser[user] = secrets.register(password);
  }
  return { byUser, created };
}
