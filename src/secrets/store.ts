/**
 * Secrets kept in the cluster directory: `<cluster-dir>/secrets/<user>.password`,
 * the file 0600 in a 0700 directory. A password is generated once and never
 * overwritten by deploy, so a redeploy never changes it (nor, with scram.ts, its
 * verifier); only `m1 rotate-password` replaces one.
 */
import { chmod, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { M1Error } from '../errors.js';
import { writeFileAtomic } from '../inventory/localFiles.js';
import { ExitCode } from '../exitCodes.js';
import { generatePassword } from './password.js';

export const SECRETS_DIR = 'secrets';

/** Database and service user names m1 stores a password for (no path tricks possible). */
const USER_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function checkUser(user: string): void {
  if (!USER_NAME.test(user)) {
    throw new M1Error(`secret for "${user}": not a valid user name (lower-case letters, digits, _)`, ExitCode.BadInput);
  }
}

export function secretsDir(clusterDir: string): string {
  return join(clusterDir, SECRETS_DIR);
}

export function secretPath(clusterDir: string, user: string): string {
  checkUser(user);
  return join(secretsDir(clusterDir), `${user}.password`);
}

async function ensureSecretsDir(clusterDir: string): Promise<void> {
  const dir = secretsDir(clusterDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir keeps an existing directory's mode; tighten it if someone loosened it.
  const st = await stat(dir);
  if ((st.mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

export interface EnsuredSecret {
  password: string;
  /** True when this call generated and stored it. */
  created: boolean;
}

/**
 * The stored password of `user`, generated and stored first if there is none.
 * The exclusive create ('wx') makes two concurrent runs agree on one password.
 */
export async function ensureSecret(clusterDir: string, user: string): Promise<EnsuredSecret> {
  const path = secretPath(clusterDir, user);
  await ensureSecretsDir(clusterDir);
  const password = generatePassword();
  try {
    // Whole or not at all: a crash must not leave an empty password file behind.
    await writeFileAtomic(path, password + '\n', { mode: 0o600, exclusive: true });
    return { password, created: true };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return { password: await readSecret(clusterDir, user), created: false };
  }
}

/**
 * Replaces the stored password of `user` (which must have one) with a new
 * generated one, atomically: the file holds the old password or the new one,
 * never a mix or nothing. Only `m1 rotate-password` calls this.
 */
export async function replaceSecret(clusterDir: string, user: string): Promise<string> {
  await readSecret(clusterDir, user);
  const password = generatePassword();
  await writeFileAtomic(secretPath(clusterDir, user), password + '\n', { mode: 0o600 });
  return password;
}

/** The stored password of `user`; an error naming the file and the fix if there is none. */
export async function readSecret(clusterDir: string, user: string): Promise<string> {
  const path = secretPath(clusterDir, user);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new M1Error(`${path}: no password stored for ${user}; run \`m1 deploy ${clusterDir}\` to generate it`, ExitCode.BadInput);
    }
    throw err;
  }
  const password = text.replace(/\r?\n$/, '');
  if (password.length === 0) {
    throw new M1Error(
      `${path}: empty; remove it and run \`m1 deploy ${clusterDir}\`, which generates a new password for ${user} and sets it on the hosts`,
      ExitCode.BadInput,
    );
  }
  if (/[\r\n]/.test(password)) {
    throw new M1Error(`${path}: expected one line holding the password of ${user}; keep only the password's line`, ExitCode.BadInput);
  }
  return password;
}

/**
 * Reads every stored password, so a damaged one (empty, several lines) is
 * reported with its file and fix before a run touches any host.
 */
export async function checkStoredSecrets(clusterDir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(secretsDir(clusterDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  for (const name of names.sort()) {
    const user = /^([a-z_][a-z0-9_]{0,62})\.password$/.exec(name)?.[1];
    if (user) await readSecret(clusterDir, user);
  }
}
