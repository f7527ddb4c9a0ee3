import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { transpileForChildren } from '../../test/support/transpile.js';
import { makeDirectory, writeFileAtomic } from './localFiles.js';

const made: string[] = [];
function scratch(): string {
  const d = mkdtempSync(join(tmpdir(), 'm1-localfiles-'));
  made.push(d);
  return d;
}
afterEach(() => {
  vi.restoreAllMocks();
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
});

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('writeFileAtomic', () => {
  it('writes the content with exactly the mode asked for, whatever the umask', async () => {
    const dir = scratch();
    const umask = process.umask(0o027);
    try {
      await writeFileAtomic(join(dir, 'inventory.json'), '{}\n', { mode: 0o644 });
      await writeFileAtomic(join(dir, 'id_c1'), 'key\n', { mode: 0o600 });
    } finally {
      process.umask(umask);
    }
    expect(readFileSync(join(dir, 'inventory.json'), 'utf8')).toBe('{}\n');
    expect(modeOf(join(dir, 'inventory.json'))).toBe(0o644);
    expect(modeOf(join(dir, 'id_c1'))).toBe(0o600);
    expect(readdirSync(dir).sort()).toEqual(['id_c1', 'inventory.json']); // no temporary file left
  });

  it('gives the file its mode before its content, and flushes it before it takes the name', async () => {
    const dir = scratch();
    const calls: string[] = [];
    const probe = await open(join(dir, 'probe'), 'w');
    const FileHandle = Object.getPrototypeOf(probe) as Record<string, (...a: unknown[]) => unknown>;
    await probe.close();
    for (const m of ['chmod', 'writeFile', 'sync'] as const) {
      const real = FileHandle[m]!;
      vi.spyOn(FileHandle, m).mockImplementation(function (this: unknown, ...a: unknown[]) {
        calls.push(m);
        return real.apply(this, a);
      });
    }
    await writeFileAtomic(join(dir, 'postgres.password'), 'secret\n', { mode: 0o600 });
    expect(calls.slice(0, 3)).toEqual(['chmod', 'writeFile', 'sync']);
  });

  it('replaces a file in one step (a new inode under the name)', async () => {
    const dir = scratch();
    const path = join(dir, 'known_hosts');
    writeFileSync(path, 'old\n');
    const before = statSync(path).ino;
    await writeFileAtomic(path, 'new\n', { mode: 0o644 });
    expect(readFileSync(path, 'utf8')).toBe('new\n');
    expect(statSync(path).ino).not.toBe(before);
  });

  it('exclusive: never replaces an existing file (EEXIST), and leaves nothing behind', async () => {
    const dir = scratch();
    const path = join(dir, 'config.yml');
    writeFileSync(path, 'mine\n');
    await expect(writeFileAtomic(path, 'theirs\n', { mode: 0o644, exclusive: true })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('mine\n');
    expect(readdirSync(dir)).toEqual(['config.yml']);
  });

  it('a process killed while writing leaves every file whole or absent, never empty or cut short', async () => {
    const work = scratch();
    transpileForChildren(work, ['src/inventory/localFiles.ts', 'src/errors.ts', 'src/exitCodes.ts']);
    writeFileSync(
      join(work, 'child.js'),
      `import { writeFileAtomic } from './src/inventory/localFiles.js';
       const dir = process.argv[2];
       process.send('ready');
       for (let i = 0; ; i++) {
         const body = String(i % 10).repeat(256 * 1024);
         await writeFileAtomic(dir + '/replaced', body, { mode: 0o600 });
         await writeFileAtomic(dir + '/once-' + i, body, { mode: 0o600, exclusive: true });
       }`,
    );
    let interrupted = 0;
    for (let round = 0; round < 8; round++) {
      const dir = scratch();
      const child = fork(join(work, 'child.js'), [dir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      await new Promise((resolve) => child.once('message', resolve));
      await new Promise((resolve) => setTimeout(resolve, 20 + 15 * round));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const names = readdirSync(dir);
      if (names.some((n) => n.endsWith('.tmp'))) interrupted++; // killed inside a write
      for (const name of names.filter((n) => !n.endsWith('.tmp'))) {
        const body = readFileSync(join(dir, name), 'utf8');
        expect(body, name).toMatch(/^(\d)\1*$/);
        expect(body.length, name).toBe(256 * 1024);
        expect(modeOf(join(dir, name)), name).toBe(0o600);
      }
    }
    // Most rounds kill the writer mid-file (its temporary file is left): the case this is about.
    expect(interrupted).toBeGreaterThan(0);
  }, 120_000); // ~3 s idle; generous for a machine busy with other tests
});

describe('makeDirectory', () => {
  it('creates missing parents one level at a time', async () => {
    const dir = scratch();
    await makeDirectory(join(dir, 'a', 'b', 'c'), { fix: 'choose another' });
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
  });

  it('an existing directory is fine', async () => {
    const dir = scratch();
    await makeDirectory(dir, { fix: 'choose another' });
  });

  it('removes what it created when a deeper level fails (exit 2, one line)', async () => {
    const dir = scratch();
    const err = await makeDirectory(join(dir, 'a', 'b', 'x'.repeat(300)), { fix: 'choose another' }).catch((e: Error & { exitCode: number }) => e);
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(/: cannot create directory .*\/x+ \(ENAMETOOLONG\); choose another$/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
