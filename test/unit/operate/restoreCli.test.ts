/**
 * `m1 restore` refuses before it reads or creates anything: bad flags (exit
 * 2) and a --into that holds a cluster (exit 3). Refusals that need the
 * source's Barman (no backup covers the target) are in test/e2e/barman/default.test.ts.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runM1 } from '../../support/cli.js';
import { scratchDir } from '../../support/scratch.js';

describe('m1 restore refuses before anything is created', () => {
  const root = scratchDir('m1-restore-cli-');
  const into = join(root, 'copy');

  it('exit 2 without a target, with two, with a time without its zone, with a bad --data-nodes', async () => {
    for (const args of [[], ['--latest', '--target-lsn', '0/1'], ['--target-time', '2026-12-07 02:55:00'], ['--latest', '--data-nodes', '0']]) {
      const r = await runM1(['restore', join(root, 'nowhere'), '--into', into, ...args]);
      expect(r.code, `${args.join(' ')}: ${r.err}`).toBe(2);
      expect(r.err).toMatch(/--target|--data-nodes|recovery target|point to restore/);
      expect(existsSync(into)).toBe(false);
    }
  });

  it('exit 2 without --into', async () => {
    const r = await runM1(['restore', join(root, 'nowhere'), '--latest']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--into/);
  });

  it('exit 3 when --into holds a cluster (config.yml or inventory.json), left as it was', async () => {
    for (const f of ['config.yml', 'inventory.json']) {
      const dir = join(root, `held-${f}`);
      mkdirSync(dir);
      writeFileSync(join(dir, f), 'x');
      const r = await runM1(['restore', join(root, 'nowhere'), '--into', dir, '--latest']);
      expect(r.code, r.err).toBe(3);
      expect(r.err).toContain(`already holds a cluster (${f})`);
    }
  });
});
