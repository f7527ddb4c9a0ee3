/**
 * `m1 configure <dir>` where <dir> cannot be a directory: exit 2, one line
 * naming what is in the way and the fix, and nothing created.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, tempDir } from './helpers.js';

const C = ['-a', 'M1', '--postgresql', '16', '--failover-manager', 'repmgr', '--platform', 'docker'];
const FIX = '; choose another cluster directory';

/** [what, what to put in the parent and the target below it, the line expected (`P` = the parent)]. */
const CASES: [string, (parent: string) => string, (parent: string) => string][] = [
  ['a file', (p) => (writeFileSync(join(p, 'f'), 'x'), join(p, 'f')), (p) => `${p}/f is a file, not a directory`],
  ['under a file', (p) => (writeFileSync(join(p, 'f'), 'x'), join(p, 'f', 'c1')), (p) => `${p}/f/c1: ${p}/f is a file, not a directory`],
  ['a dangling link', (p) => (symlinkSync(join(p, 'nowhere'), join(p, 'l')), join(p, 'l')),
    (p) => `${p}/l is a symbolic link to ${p}/nowhere, which does not exist`],
  ['under a dangling link', (p) => (symlinkSync('nowhere', join(p, 'l')), join(p, 'l', 'c1')),
    (p) => `${p}/l/c1: ${p}/l is a symbolic link to nowhere, which does not exist`],
  ['under a FIFO', (p) => (execFileSync('mkfifo', [join(p, 'q')]), join(p, 'q', 'c1')), (p) => `${p}/q/c1: ${p}/q is a FIFO, not a directory`],
  ['a device', () => '/dev/null', () => '/dev/null is a device, not a directory'],
  ['under /proc (mkdir -p would spin there)', () => '/proc/m1-test/c1', () => '/proc/m1-test/c1: cannot create directory /proc/m1-test (ENOENT)'],
];

describe('m1 configure: a target that cannot be a directory', () => {
  for (const [what, target, line] of CASES) {
    it(what, async () => {
      const parent = await tempDir();
      const dir = target(parent);
      const before = readdirSync(parent);
      const r = await runCli(['configure', dir, ...C]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`m1: ${line(parent)}${FIX}\n`);
      expect(r.stdout).toBe('');
      expect(readdirSync(parent)).toEqual(before);
    });
  }

  it('a link to a directory is followed', async () => {
    const parent = await tempDir();
    execFileSync('mkdir', [join(parent, 'real')]);
    symlinkSync('real', join(parent, 'c1'));
    const r = await runCli(['configure', join(parent, 'c1'), ...C]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(parent, 'real'))).toEqual(['config.yml']);
  });

  it('missing parents are created', async () => {
    const parent = await tempDir();
    const r = await runCli(['configure', join(parent, 'a', 'b', 'c1'), ...C]);
    expect(r.code).toBe(0);
    expect(readdirSync(join(parent, 'a', 'b', 'c1'))).toEqual(['config.yml']);
  });
});
