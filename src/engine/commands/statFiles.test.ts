import { createHash } from 'node:crypto';
import { mkdir, symlink, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from '../../../test/unit/engine/scratch.js';
import { buildStatFiles, parseStatFiles } from './statFiles.js';

const tmp = scratch('m1-stat-');

describe('statFiles', () => {
  it('stats and hashes many paths in one command, missing ones as null', async () => {
    const file = join(tmp.dir, "it's a|file");
    const empty = join(tmp.dir, 'empty');
    const sub = join(tmp.dir, 'sub');
    const link = join(tmp.dir, 'link');
    await writeFile(file, 'hello\n');
    await chmod(file, 0o640);
    await writeFile(empty, '');
    await mkdir(sub, { mode: 0o1750 });
    await chmod(sub, 0o1750);
    await symlink(file, link);
    const paths = [file, empty, sub, link, join(tmp.dir, 'missing')];
    const r = await tmp.sh.run(buildStatFiles(paths));
    expect(r.code).toBe(0);
    const stats = parseStatFiles(paths, r.stdout);
    expect(stats.get(file)).toEqual({
      type: 'file', mode: '0640', owner: 'root', group: 'root', size: 6,
      sha256: createHash('sha256').update('hello\n').digest('hex'),
    });
    expect(stats.get(empty)?.type).toBe('file');
    expect(stats.get(empty)?.sha256).toBe(createHash('sha256').update('').digest('hex'));
    expect(stats.get(sub)).toMatchObject({ type: 'directory', mode: '1750' });
    expect(stats.get(sub)?.sha256).toBeUndefined();
    expect(stats.get(link)?.type).toBe('symlink');
    expect(stats.get(join(tmp.dir, 'missing'))).toBeNull();
  });
  it('refuses relative paths and paths with newlines', () => {
    expect(() => buildStatFiles(['etc/x'])).toThrow(/absolute/);
    expect(() => buildStatFiles(['/etc/a\nb'])).toThrow(/newline/);
  });
});
