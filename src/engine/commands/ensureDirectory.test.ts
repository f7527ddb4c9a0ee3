import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalConnector } from '../connectors/local.js';
import { buildEnsureDirectory } from './ensureDirectory.js';
import { buildRemovePath, buildSetAttributes } from './setAttributes.js';

let dir: string;
const sh = new LocalConnector();
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-dir-'));
});
afterAll(async () => {
  await sh.close();
  await rm(dir, { recursive: true, force: true });
});

describe('directory commands', () => {
  it('creates parents, sets owner and mode', async () => {
    const path = join(dir, 'a b', 'c');
    const cmd = buildEnsureDirectory({ path, owner: 'daemon', group: 'daemon', mode: '0750' }, { create: true, owner: true, mode: true });
    expect((await sh.run(cmd)).code).toBe(0);
    const s = await stat(path);
    expect(s.isDirectory()).toBe(true);
    expect(s.mode & 0o7777).toBe(0o750);
    expect(s.uid).toBe(1);
  });
  it('emits only the steps asked for', () => {
    expect(buildEnsureDirectory({ path: '/d', mode: '0700', owner: 'x' }, { create: false, owner: false, mode: true })).toBe('chmod -- 0700 /d');
  });
  it('changes attributes and removes paths', async () => {
    const path = join(dir, 'a b');
    expect((await sh.run(buildSetAttributes(path, { mode: '0711' }))).code).toBe(0);
    expect((await stat(path)).mode & 0o7777).toBe(0o711);
    expect((await sh.run(buildRemovePath(path, true))).code).toBe(0);
    await expect(stat(path)).rejects.toThrow();
    expect(() => buildRemovePath('/')).toThrow();
  });
});
