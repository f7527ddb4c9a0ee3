import { spawn } from 'node:child_process';
import { readFile, readdir, stat, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from '../../../test/unit/engine/scratch.js';
import { buildWriteFile } from './writeFile.js';

const tmp = scratch('m1-write-');

describe('writeFile', () => {
  it('creates a file with content from stdin, owner and mode', async () => {
    const path = join(tmp.dir, "new 'file'.conf");
    const r = await tmp.sh.run(buildWriteFile({ path, owner: 'root', group: 'daemon', mode: '0640' }), { stdin: 'a=1\n' });
    expect(r.code).toBe(0);
    expect(await readFile(path, 'utf8')).toBe('a=1\n');
    const s = await stat(path);
    expect(s.mode & 0o7777).toBe(0o640);
    expect(s.gid).toBe(1); // daemon
  });
  it('defaults a new file to 0644 and keeps an existing file\'s mode', async () => {
    const fresh = join(tmp.dir, 'fresh');
    await tmp.sh.run(buildWriteFile({ path: fresh }), { stdin: 'x' });
    expect((await stat(fresh)).mode & 0o7777).toBe(0o644);
    const kept = join(tmp.dir, 'kept');
    await writeFile(kept, 'old');
    await chmod(kept, 0o600);
    await tmp.sh.run(buildWriteFile({ path: kept }), { stdin: 'new' });
    expect(await readFile(kept, 'utf8')).toBe('new');
    expect((await stat(kept)).mode & 0o7777).toBe(0o600);
  });
  it('fails without leaving a temporary file when the owner does not exist', async () => {
    const path = join(tmp.dir, 'bad-owner');
    const r = await tmp.sh.run(buildWriteFile({ path, owner: 'no-such-user-m1' }), { stdin: 'x' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/invalid (user|spec)/);
    expect((await readdir(tmp.dir)).filter((f) => f.startsWith('.m1-'))).toEqual([]);
  });
  it('fails when the directory is missing', async () => {
    const r = await tmp.sh.run(buildWriteFile({ path: join(tmp.dir, 'nodir', 'f') }), { stdin: 'x' });
    expect(r.code).not.toBe(0);
  });
  it('gives the temporary file its owner and mode before its content (text: umask, mktemp, chown, chmod, cat, mv)', () => {
    const cmd = buildWriteFile({ path: '/home/postgres/.pgpass', owner: 'postgres', group: 'postgres', mode: '0600' });
    const at = (s: string) => {
      expect(cmd).toContain(s);
      return cmd.indexOf(s);
    };
    const order = ['umask 077', 't=$(mktemp', 'chown -- postgres:postgres "$t"', 'chmod -- 0600 "$t"', 'cat > "$t"', 'mv -f -- "$t"'].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });
  it('while the content arrives, the temporary file already has its final owner and mode', async () => {
    const path = join(tmp.dir, '.pgpass');
    // Real shell, stdin kept open: the content is half written when the file is looked at.
    const sh = spawn('sh', ['-c', buildWriteFile({ path, owner: 'daemon', group: 'daemon', mode: '0600' })], { stdio: ['pipe', 'ignore', 'inherit'] });
    sh.stdin.write('*:*:*:postgres:first-half');
    let temp: string | undefined;
    for (let i = 0; i < 500 && temp === undefined; i++) {
      await new Promise((r) => setTimeout(r, 10));
      for (const f of (await readdir(tmp.dir)).filter((f) => f.startsWith('.m1-'))) {
        if ((await stat(join(tmp.dir, f))).size > 0) temp = join(tmp.dir, f);
      }
    }
    expect(temp, 'a temporary file receiving the content').toBeDefined();
    const s = await stat(temp!);
    expect(s.mode & 0o7777).toBe(0o600);
    expect([s.uid, s.gid]).toEqual([1, 1]); // daemon:daemon
    sh.stdin.end('second-half\n');
    expect(await new Promise((r) => sh.on('exit', r))).toBe(0);
    expect(await readFile(path, 'utf8')).toBe('*:*:*:postgres:first-halfsecond-half\n');
    expect((await stat(path)).mode & 0o7777).toBe(0o600);
  });
  it('rejects a bad mode before running anything', () => {
    expect(() => buildWriteFile({ path: '/x', mode: '644; rm' })).toThrow(/octal/);
  });
});
