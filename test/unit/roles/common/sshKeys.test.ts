import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authorizedKeyLines,
  ensureServiceKey,
  keysInstalledOn,
  sshGrants,
  sshKnownHosts,
} from '../../../../src/products/system/sshKeys.js';
import { defaultCluster, twoLocationCluster } from '../fixtures.js';

describe('sshGrants', () => {
  it('postgres reaches Postgres nodes and Barman; barman reaches Postgres nodes', () => {
    const g = sshGrants(defaultCluster());
    const has = (user: string, host: string, as: string): boolean => g.some((x) => x.user === user && x.host === host && x.as === as);
    // gamma is the Barman host and a repmgr witness, so it runs Postgres too.
    for (const h of ['alpha', 'beta', 'gamma']) {
      expect(has('postgres', h, 'postgres')).toBe(true);
      expect(has('barman', h, 'postgres')).toBe(true);
    }
    expect(has('postgres', 'gamma', 'barman')).toBe(true);
    expect(has('barman', 'alpha', 'barman')).toBe(false);
  });

  it('does not let barman into the Barman-only host as postgres', () => {
    const g = sshGrants(twoLocationCluster());
    expect(g.some((x) => x.host === 'epsilon' && x.as === 'postgres')).toBe(false);
    expect(g.some((x) => x.user === 'postgres' && x.host === 'epsilon' && x.as === 'barman')).toBe(true);
  });
});

describe('keysInstalledOn and authorizedKeyLines', () => {
  const keys = { postgres: 'ssh-ed25519 AAAApg m1-m1-postgres', barman: 'ssh-ed25519 AAAAbm m1-m1-barman' };
  it('installs each private key where that user starts connections', () => {
    const c = twoLocationCluster();
    expect(keysInstalledOn(c, 'alpha')).toEqual(['postgres']);
    expect(keysInstalledOn(c, 'epsilon')).toEqual(['barman']);
    expect(keysInstalledOn(defaultCluster(), 'gamma')).toEqual(['postgres', 'barman']);
  });
  it('authorizes both keys for postgres on a data node, only postgres for barman', () => {
    const c = defaultCluster();
    expect(authorizedKeyLines(c, 'alpha', 'postgres', keys)).toEqual([keys.barman, keys.postgres]);
    expect(authorizedKeyLines(c, 'gamma', 'barman', keys)).toEqual([keys.postgres]);
    expect(authorizedKeyLines(c, 'alpha', 'barman', keys)).toEqual([]);
  });
});

describe('sshKnownHosts', () => {
  it('names each host by name and address', () => {
    const c = defaultCluster();
    const key = { algorithm: 'ssh-ed25519', base64: 'AAAAC3Nz' };
    const text = sshKnownHosts(c, { alpha: [key], beta: [key] });
    expect(text).toBe('alpha,10.33.0.11 ssh-ed25519 AAAAC3Nz\nbeta,10.33.0.12 ssh-ed25519 AAAAC3Nz\n');
  });
});

describe('ensureServiceKey', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'm1-keys-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates keys/id_postgres once, 0600, and returns the same key afterwards', async () => {
    const a = await ensureServiceKey(dir, 'm1', 'postgres');
    expect(a.created).toBe(true);
    expect(a.privateKeyPath).toBe(join(dir, 'keys', 'id_postgres'));
    expect((await stat(a.privateKeyPath)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    expect(a.publicKey).toMatch(/^ssh-ed25519 [A-Za-z0-9+/]+=* m1-m1-postgres$/);
    expect(a.privateKey).toContain('OPENSSH PRIVATE KEY');
    const b = await ensureServiceKey(dir, 'm1', 'postgres');
    expect(b.created).toBe(false);
    expect(b.publicKey).toBe(a.publicKey);
    expect(await readFile(a.privateKeyPath, 'utf8')).toBe(a.privateKey);
  });
});
