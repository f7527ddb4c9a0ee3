import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testCluster } from '../../test/support/testCluster.js';
import { acquireLock, LOCK_FILE } from '../engine/run/lock.js';
import { HostError, RefusedError } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { deprovisionCluster, provisionCluster } from './locked.js';
import { scratchDir } from '../../test/support/scratch.js';

/** A bare cluster whose one host is loopback port 1 (nothing listens: refused at once). */
function bareCluster() {
  const dir = scratchDir('m1-locked-');
  return testCluster({ name: 'lk', dir, platform: 'bare', instances: [{ name: 'lk-1', ipAddress: '127.0.0.1', vars: { ansible_port: 1 } }] });
}

describe('provision and deprovision under the cluster lock', () => {
  it('provision is refused (exit 3) while a deploy holds the lock, and touches nothing', async () => {
    const c = bareCluster();
    const deploy = acquireLock(c.dir, 'deploy');
    try {
      const err = await provisionCluster(c).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RefusedError);
      expect((err as RefusedError).exitCode).toBe(ExitCode.Refused);
      expect((err as Error).message).toMatch(/another m1 run holds the cluster lock \(deploy, pid \d+/);
      expect(existsSync(join(c.dir, 'id_lk'))).toBe(false);
    } finally {
      deploy.release();
    }
    // Free again: provision runs (and fails on the host, not on the lock), then lets the lock go.
    const err = await provisionCluster(c, { readyTimeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect((err as Error).message).toMatch(/^host lk-1 127\.0\.0\.1:1: no SSH answer \(connection refused\)$/);
    expect(existsSync(join(c.dir, 'id_lk'))).toBe(true);
    expect(existsSync(join(c.dir, LOCK_FILE))).toBe(false);
  });

  it('deprovision is refused while the lock is held; asks before removing; releases the lock', async () => {
    const c = bareCluster();
    writeFileSync(join(c.dir, 'inventory.json'), '{}');
    const asked: string[][] = [];
    const deploy = acquireLock(c.dir, 'deploy');
    const refused = await deprovisionCluster(c, { confirm: async (items) => (asked.push(items), true) }).catch((e: unknown) => e);
    deploy.release();
    expect(refused).toBeInstanceOf(RefusedError);
    expect(asked).toEqual([]);
    expect(existsSync(join(c.dir, 'inventory.json'))).toBe(true);

    expect(await deprovisionCluster(c, { confirm: async (items) => (asked.push(items), false) })).toEqual({ status: 'declined', items: ['inventory.json'] });
    expect(existsSync(join(c.dir, 'inventory.json'))).toBe(true);
    const done = await deprovisionCluster(c, { confirm: async (items) => (asked.push(items), true) });
    expect(done).toMatchObject({ status: 'removed', items: ['inventory.json'], result: { removed: ['inventory.json'] } });
    expect(asked).toEqual([['inventory.json'], ['inventory.json']]);
    expect(existsSync(join(c.dir, 'inventory.json'))).toBe(false);
    expect(await deprovisionCluster(c, { confirm: async () => true })).toEqual({ status: 'nothing' });
    expect(existsSync(join(c.dir, LOCK_FILE))).toBe(false);
  });
});
