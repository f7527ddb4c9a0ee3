import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { boundedShell, timeoutSeconds } from './bounded.js';

/** Runs the command in a local sh, as a host's shell would; returns stdout and the wall time. */
function run(command: string, env: NodeJS.ProcessEnv = {}): { out: string; ms: number } {
  const t = performance.now();
  const out = execFileSync('sh', ['-c', command], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { out, ms: performance.now() - t };
}

const lines = (out: string) => out.split('\n').filter(Boolean).sort();

describe('boundedShell', () => {
  it('runs every part and prints what each printed, quotes and all', () => {
    const cmd = boundedShell(
      [
        { id: 'a', shell: `echo "m1:a=it's \\"quoted\\" \\$HOME"` },
        { id: 'b', shell: "printf 'm1:b=1\\nm1:b=2\\n'" },
      ],
      5,
    );
    expect(lines(run(cmd).out)).toEqual(['m1:a=it\'s "quoted" $HOME', 'm1:b=1', 'm1:b=2']);
  });

  it('cuts a part that waits past the bound: its marker instead of what it printed, the others kept, in about the bound', () => {
    const cmd = boundedShell(
      [
        { id: 'slow:x', shell: 'echo m1:slow:x=half; sleep 10; echo m1:slow:x=never' },
        { id: 'fast', shell: 'echo m1:fast=1' },
        { id: 'slow2', shell: 'sleep 10' },
      ],
      0.5,
    );
    const r = run(cmd);
    expect(lines(r.out)).toEqual(['m1:cut=slow2', 'm1:cut=slow:x', 'm1:fast=1']);
    // Side by side: about one bound, not two.
    expect(r.ms).toBeLessThan(2500);
  });

  it('a part that ignores TERM is killed and still marked', () => {
    const r = run(boundedShell([{ id: 'stubborn', shell: "trap '' TERM; sleep 3; echo m1:stubborn=late" }], 0.3));
    expect(lines(r.out)).toEqual(['m1:cut=stubborn']);
    expect(r.ms).toBeLessThan(2500);
  });

  it('without a temporary directory (full disk) runs the parts in turn, each still bounded', () => {
    const cmd = boundedShell(
      [
        { id: 'a', shell: 'echo m1:a=1' },
        { id: 'b', shell: 'sleep 10' },
      ],
      0.3,
    );
    const r = run(cmd, { TMPDIR: '/nonexistent/m1' });
    expect(lines(r.out)).toEqual(['m1:a=1', 'm1:cut=b']);
    expect(r.ms).toBeLessThan(2500);
  });

  it('leaves no temporary directory behind and refuses ids the protocol cannot carry', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'm1-bounded-'));
    try {
      run(boundedShell([{ id: 'a', shell: 'true' }, { id: 'b', shell: 'sleep 5' }], 0.2), { TMPDIR: tmp });
      expect(readdirSync(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    expect(() => boundedShell([{ id: 'a b', shell: 'true' }], 1)).toThrow(/id/);
    expect(boundedShell([], 1)).toBe('true');
  });

  it('says the bound in seconds with one decimal, never 0', () => {
    expect(timeoutSeconds(1.234)).toBe('1.2');
    expect(timeoutSeconds(0)).toBe('0.1');
    expect(timeoutSeconds(12)).toBe('12.0');
  });
});
