import { mkdtemp, readFile, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PASSWORD_ALPHABET, generatePassword } from './password.js';
import { ensureSecret, readSecret, secretPath } from './store.js';

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
});
