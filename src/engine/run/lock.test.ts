import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { RefusedError } from '../../errors.js';
import { ExitCode } from '../../exitCodes.js';
import { acquireLock, LOCK_FILE } from './lock.js';

describe('cluster lock', () => {
  it('refuses a second run while one holds it (exit 3), and frees on release', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm1-lock-'));
    const lock = acquireLock(dir, 'deploy');
    let err: unknown;
    try {
      acquireLock(dir, 'switchover');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(RefusedError);
    expect((err as RefusedError).exitCode).toBe(ExitCode.Refused);
    expect((err as Error).message).toMatch(new RegExp(`another m1 run holds the cluster lock \\(deploy, pid ${process.pid}`));
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
    acquireLock(dir, 'again').release();
  });
  it('takes over a lock left by a dead process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm1-lock-'));
    const dead = spawnSync('true').pid!; // exited already
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: dead, host: hostname(), command: 'deploy', started: 'then' }));
    const lock = acquireLock(dir, 'deploy');
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    lock.release();
  });
});
