import { execFileSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tarArchive } from './tar.js';
import { scratchDir } from '../../../test/support/scratch.js';

describe('tarArchive', () => {
  it('is read back by tar with contents and modes', () => {
    const dir = scratchDir('m1-tar-');
    const big = 'x'.repeat(1000);
    const archive = tarArchive([
      { path: 'root/.ssh', mode: 0o700 },
      { path: 'root/.ssh/authorized_keys', content: 'ssh-ed25519 AAAA test\n', mode: 0o600 },
      { path: 'etc/big', content: big, mode: 0o644 },
    ]);
    expect(archive.length % 512).toBe(0);
    writeFileSync(join(dir, 'a.tar'), archive);
    execFileSync('tar', ['-xf', 'a.tar', '--no-same-owner'], { cwd: dir });
    expect(readFileSync(join(dir, 'root/.ssh/authorized_keys'), 'utf8')).toBe('ssh-ed25519 AAAA test\n');
    expect(readFileSync(join(dir, 'etc/big'), 'utf8')).toBe(big);
    expect(statSync(join(dir, 'root/.ssh/authorized_keys')).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'root/.ssh')).mode & 0o777).toBe(0o700);
    const listing = execFileSync('tar', ['-tvf', 'a.tar'], { cwd: dir }).toString();
    expect(listing).toMatch(/^drwx------ root\/root .* root\/\.ssh\/$/m);
  });
  it('refuses a path longer than a ustar name', () => {
    expect(() => tarArchive([{ path: 'a/'.repeat(60), content: '', mode: 0o644 }])).toThrow(/too long/);
  });
});
