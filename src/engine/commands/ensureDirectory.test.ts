import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scratch } from '../../../test/unit/engine/scratch.js';
import { buildEnsureDirectory } from './ensureDirectory.js';
import { buildRemovePath, buildSetAttributes } from './setAttributes.js';

const tmp = scratch('m1-dir-');

describe('directory commands', () => {
  it('creates parents, sets owner and mode', async () => {
    const path = join(tmp.dir, 'a b', 'c');
    const cmd = buildEnsureDirectory({ path, owner: 'daemon', group: 'daemon', mode: '0750' }, { create: true, owner: true, mode: true });
    expect((await tmp.sh.run(cmd)).code).toBe(0);
    const s = await stat(path);
    expect(s.isDirectory()).toBe(true);
    expect(s.mode & 0o7777).toBe(0o750);
    expect(s.uid).toBe(1);
  });
  it('emits only the steps asked for', () => {
    expect(buildEnsureDirectory({ path: '/d', mode: '0700', owner: 'x' }, { create: false, owner: false, mode: true })).toBe('chmod -- 0700 /d');
  });
  it('changes attributes and removes paths', async () => {
    const path = join(tmp.dir, 'a b');
    expect((await tmp.sh.run(buildSetAttributes(path, { mode: '0711' }))).code).toBe(0);
    expect((await stat(path)).mode & 0o7777).toBe(0o711);
    expect((await tmp.sh.run(buildRemovePath(path, true))).code).toBe(0);
    await expect(stat(path)).rejects.toThrow();
    expect(() => buildRemovePath('/')).toThrow();
  });
});
