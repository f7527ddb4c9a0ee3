import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORD_ALPHABET, generatePassword } from './password.js';
import { checkStoredSecrets, ensureSecret, readSecret, replaceSecret, secretPath } from './store.js';
import { readdir } from 'node:fs/promises';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-secrets-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('generatePassword', () => {
  it('makes 32 characters from the alphabet, different each time', () => {
    const a = generatePassword();
    expect(a).toHaveLength(32);
    expect([...a].every((c) => PASSWORD_ALPHABET.includes(c))).toBe(true);
    expect(generatePassword()).not.toBe(a);
  });

  it('uses the whole alphabet over many draws (no truncated range)', () => {
    const seen = new Set(generatePassword(4000));
    expect(seen.size).toBe(PASSWORD_ALPHABET.length);
  });
});

describe('ensureSecret', () => {
  it('creates the file 0600 in a 0700 directory, once', async () => {
    const first = await ensureSecret(dir, 'repmgr');
    expect(first.created).toBe(true);
    const path = secretPath(dir, 'repmgr');
    expect(path).toBe(join(dir, 'secrets', 'repmgr.password'));
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700);
    expect(await readFile(path, 'utf8')).toBe(first.password + '\n');

    const second = await ensureSecret(dir, 'repmgr');
    expect(second).toEqual({ password: first.password, created: false });
  });

  it('never overwrites a password stored by hand', async () => {
    await ensureSecret(dir, 'barman');
    await writeFile(secretPath(dir, 'barman'), 'chosenByTheDba\n');
    expect((await ensureSecret(dir, 'barman')).password).toBe('chosenByTheDba');
  });

  it('agrees on one password when called concurrently', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => ensureSecret(dir, 'postgres')));
    expect(new Set(results.map((r) => r.password)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
  });

  it('tightens a loosened secrets directory', async () => {
    await ensureSecret(dir, 'a');
    await chmod(join(dir, 'secrets'), 0o755);
    await ensureSecret(dir, 'b');
    expect((await stat(join(dir, 'secrets'))).mode & 0o777).toBe(0o700);
  });

  it('refuses user names that could escape the directory', async () => {
    await expect(ensureSecret(dir, '../x')).rejects.toThrow(/not a valid user name/);
  });
});

describe('readSecret', () => {
  it('names the file and the fix when there is none', async () => {
    await expect(readSecret(dir, 'replication')).rejects.toThrow(/replication\.password: no password stored for replication; run `m1 deploy/);
  });

  it('an empty file (a crash used to leave one): names the file and the fix, exit 2', async () => {
    await ensureSecret(dir, 'postgres');
    await writeFile(secretPath(dir, 'postgres'), '');
    const err = await readSecret(dir, 'postgres').catch((e: unknown) => e as Error & { exitCode: number });
    expect(err.message).toBe(
      `${secretPath(dir, 'postgres')}: empty; remove it and run \`m1 deploy ${dir}\`, which generates a new password for postgres and sets it on the hosts`,
    );
    expect(err.exitCode).toBe(2);
    // ensureSecret finds the file there and reads it: the same answer, the file left alone.
    await expect(ensureSecret(dir, 'postgres')).rejects.toThrow(/postgres\.password: empty; remove it/);
  });
});

describe('a stored password is written whole or not at all', () => {
  it('leaves no temporary file beside it', async () => {
    await ensureSecret(dir, 'repmgr');
    expect(await readdir(join(dir, 'secrets'))).toEqual(['repmgr.password']);
  });
});

describe('checkStoredSecrets (deploy runs it before touching any host)', () => {
  it('passes with no secrets directory and with sound files', async () => {
    await checkStoredSecrets(dir);
    await ensureSecret(dir, 'postgres');
    await ensureSecret(dir, 'barman');
    await checkStoredSecrets(dir);
  });

  it('names the first damaged file', async () => {
    await ensureSecret(dir, 'postgres');
    await ensureSecret(dir, 'barman');
    await writeFile(secretPath(dir, 'postgres'), 'one\ntwo\n');
    await expect(checkStoredSecrets(dir)).rejects.toThrow(
      `${secretPath(dir, 'postgres')}: expected one line holding the password of postgres; keep only the password's line`,
    );
  });
});

describe('replaceSecret', () => {
  it('stores a new password, 0600, that readSecret returns; only for a user that has one', async () => {
    const old = (await ensureSecret(dir, 'app')).password;
    const fresh = await replaceSecret(dir, 'app');
    expect(fresh).not.toBe(old);
    expect(fresh).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(await readSecret(dir, 'app')).toBe(fresh);
    expect((await stat(secretPath(dir, 'app'))).mode & 0o777).toBe(0o600);
    expect(await readdir(join(dir, 'secrets'))).toEqual(['app.password']);
    await expect(replaceSecret(dir, 'nobody')).rejects.toThrow(/no password stored for nobody/);
  });
});
