import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff.js';
import { scratchDir } from '../../../test/support/scratch.js';

/** GNU diff's own output for the same texts, headers dropped. */
function gnuDiff(a: string, b: string): string {
  const dir = scratchDir('m1-diff-');
  writeFileSync(join(dir, 'a'), a);
  writeFileSync(join(dir, 'b'), b);
  try {
    execFileSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')]);
    return '';
  } catch (e) {
    return (e as { stdout: Buffer }).stdout.toString().split('\n').slice(2).join('\n');
  }
}
function body(d: string): string {
  return d.split('\n').slice(2).join('\n');
}

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\n', 'a\n')).toBe('');
  });
  const cases: [string, string, string][] = [
    ['one changed line in the middle', 'a\nb\nc\nd\ne\nf\ng\nh\n', 'a\nb\nc\nD\ne\nf\ng\nh\n'],
    ['new file', '', 'x\ny\n'],
    ['removed file content', 'x\ny\n', ''],
    ['two distant changes make two hunks', Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n') + '\n', Array.from({ length: 30 }, (_, i) => (i === 2 || i === 25 ? `L${i}` : `l${i}`)).join('\n') + '\n'],
    ['no newline at end', 'a\nb', 'a\nb\n'],
    ['insertions and deletions', 'port = 5432\nmax_connections = 100\nshared_buffers = 128MB\n', 'listen = *\nport = 5432\nshared_buffers = 1GB\nwork_mem = 4MB\n'],
  ];
  for (const [name, a, b] of cases) {
    it(`matches diff -u: ${name}`, () => {
      expect(body(unifiedDiff(a, b, { fromFile: 'a', toFile: 'b' }))).toBe(gnuDiff(a, b));
    });
  }
  it('names the files in its header', () => {
    expect(unifiedDiff('a\n', 'b\n', { fromFile: '/etc/x (before)', toFile: '/etc/x (after)' }).split('\n').slice(0, 2)).toEqual([
      '--- /etc/x (before)',
      '+++ /etc/x (after)',
    ]);
  });
});
