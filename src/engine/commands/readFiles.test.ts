import { writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from '../../../test/unit/engine/scratch.js';
import { buildReadFiles, parseReadFiles } from './readFiles.js';

const tmp = scratch('m1-read-');

describe('readFiles', () => {
  it('reads many files in one command, exactly, binary included', async () => {
    const a = join(tmp.dir, 'a.conf');
    const b = join(tmp.dir, 'b bin');
    const empty = join(tmp.dir, 'empty');
    const sub = join(tmp.dir, 'dir');
    const binary = Buffer.from([0, 1, 2, 255, 10, 13]);
    await writeFile(a, 'line one\nno newline');
    await writeFile(b, binary);
    await writeFile(empty, '');
    await mkdir(sub);
    const paths = [a, join(tmp.dir, 'missing'), b, empty, sub];
    const r = await tmp.sh.run(buildReadFiles(paths));
    const files = parseReadFiles(paths, r.stdout);
    expect(files.get(a)?.toString()).toBe('line one\nno newline');
    expect(files.get(b)).toEqual(binary);
    expect(files.get(empty)?.length).toBe(0);
    expect(files.get(join(tmp.dir, 'missing'))).toBeNull();
    expect(files.get(sub)).toBeNull();
  });
  it('detects contents that do not match the sizes', () => {
    expect(() => parseReadFiles(['/x'], `3|/x\n--m1-contents--\n${Buffer.from('abcd').toString('base64')}`)).toThrow(/changed/);
  });
});
