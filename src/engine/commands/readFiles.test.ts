import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnector } from '../connectors/local.js';
import { buildReadFiles, parseReadFiles } from './readFiles.js';

let dir: string;
const sh = new LocalConnector();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-read-'));
});
afterAll(async () => {
  await sh.close();
  await rm(dir, { recursive: true, force: true });
});

describe('readFiles', () => {
  it('reads many files in one command, exactly, binary included', async () => {
    const a = join(dir, 'a.conf');
    const b = join(dir, 'b bin');
    const empty = join(dir, 'empty');
    const sub = join(dir, 'dir');
    const binary = Buffer.from([0, 1, 2, 255, 10, 13]);
    await writeFile(a, 'line one\nno newline');
    await writeFile(b, binary);
    await writeFile(empty, '');
    await mkdir(sub);
    const paths = [a, join(dir, 'missing'), b, empty, sub];
    const r = await sh.run(buildReadFiles(paths));
    const files = parseReadFiles(paths, r.stdout);
    expect(files.get(a)?.toString()).toBe('line one\nno newline');
    expect(files.get(b)).toEqual(binary);
    expect(files.get(empty)?.length).toBe(0);
    expect(files.get(join(dir, 'missing'))).toBeNull();
    expect(files.get(sub)).toBeNull();
  });
  it('detects contents that do not match the sizes', () => {
    expect(() => parseReadFiles(['/x'], `3|/x\n--m1-contents--\n${Buffer.from('abcd').toString('base64')}`)).toThrow(/changed/);
  });
});
