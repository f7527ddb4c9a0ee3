import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureClusterKey, ensureGitignore, ensureHostKeys, readKnownHosts, sshConfigText, updateKnownHosts } from './clusterFiles.js';
import { scratchDir } from '../../test/support/scratch.js';

const fresh = () => ({ dir: scratchDir('m1-files-'), name: 'Demo' });

describe('cluster directory files', () => {
  it('generates id_<cluster> once, 0600, readable by ssh-keygen', async () => {
    const c = fresh();
    const first = await ensureClusterKey(c);
    expect(first.privateKeyFile).toBe('id_demo');
    expect(first.changed).toBe(true);
    expect(statSync(first.privateKeyPath).mode & 0o777).toBe(0o600);
    const derived = execFileSync('ssh-keygen', ['-y', '-f', first.privateKeyPath]).toString().split(' ').slice(0, 2).join(' ');
    expect(first.publicKey.startsWith(derived)).toBe(true);
    const again = await ensureClusterKey(c);
    expect(again).toEqual({ ...first, changed: false });
    // A lost .pub is rebuilt from the private key, which is never replaced.
    unlinkSync(`${first.privateKeyPath}.pub`);
    const rebuilt = await ensureClusterKey(c);
    expect(rebuilt.changed).toBe(true);
    expect(rebuilt.publicKey.split(' ').slice(0, 2)).toEqual(first.publicKey.split(' ').slice(0, 2));
  });

  it('generates ed25519 and ecdsa host keys once, private ones 0600', async () => {
    const c = fresh();
    const a = await ensureHostKeys(c);
    expect(a.keys.map((k) => k.type)).toEqual(['ed25519', 'ecdsa']);
    expect(a.keys[1]!.publicKey).toMatch(/^ecdsa-sha2-nistp256 /);
    for (const k of a.keys) expect(statSync(k.privateKeyPath).mode & 0o777).toBe(0o600);
    const b = await ensureHostKeys(c);
    expect(b.changed).toBe(false);
    expect(b.keys.map((k) => k.publicKey)).toEqual(a.keys.map((k) => k.publicKey));
  });

  it('writes .gitignore and known_hosts only when they change', async () => {
    const c = fresh();
    expect(await ensureGitignore(c.dir)).toBe(true);
    expect(await ensureGitignore(c.dir)).toBe(false);
    expect(readFileSync(join(c.dir, '.gitignore'), 'utf8')).toContain('/hostkeys/');
    const key = { algorithm: 'ssh-ed25519', base64: 'AAAAC3NzaC1lZDI1NTE5' };
    const hosts = [{ address: '10.0.0.2', port: 22, keys: [key] }, { address: '10.0.0.3', port: 2222, keys: [key] }];
    expect(await updateKnownHosts(c.dir, hosts)).toBe(true);
    expect(await updateKnownHosts(c.dir, hosts)).toBe(false);
    expect(await readKnownHosts(c.dir)).toBe('10.0.0.2 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\n[10.0.0.3]:2222 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5\n');
  });

  it('renders ssh_config with strict checking and one block per host', () => {
    const text = sshConfigText({
      cluster: 'demo',
      platform: 'bare',
      privateKeyFile: 'id_demo',
      knownHostsFile: 'known_hosts',
      hosts: [{ name: 'a', address: '192.0.2.1', port: 2222, user: 'admin' }],
    });
    expect(text).toContain('StrictHostKeyChecking yes');
    expect(text).toContain('Host a\n  HostName 192.0.2.1\n  User admin\n  Port 2222\n');
  });
});
