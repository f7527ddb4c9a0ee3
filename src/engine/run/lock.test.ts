import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RefusedError } from '../../errors.js';
import { ExitCode } from '../../exitCodes.js';
import { acquireLock, judge, LOCK_FILE, takeOver, TAKEOVER_FILE, UNPARSABLE_STALE_MS } from './lock.js';
import { scratchDir } from '../../../test/support/scratch.js';

const scratch = () => scratchDir('m1-lock-');
const deadPid = () => spawnSync('true').pid!; // exited already

function refusal(dir: string): RefusedError {
  try {
    acquireLock(dir, 'switchover').release();
  } catch (e) {
    expect(e).toBeInstanceOf(RefusedError);
    return e as RefusedError;
  }
  throw new Error('the lock was taken');
}

function lockPid(dir: string): number {
  return JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')).pid;
}

describe('cluster lock', () => {
  it('refuses a second run while one holds it (exit 3, naming the holder), and frees on release', () => {
    const dir = scratch();
    const lock = acquireLock(dir, 'deploy');
    const err = refusal(dir);
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toContain(`another m1 run holds the cluster lock (deploy, pid ${process.pid} on ${hostname()}, since `);
    expect(err.message).toContain(`remove ${join(dir, LOCK_FILE)} if that process is gone`);
    lock.release();
    expect(readdirSync(dir)).toEqual([]); // no lock, no temp file
    acquireLock(dir, 'again').release();
  });

  it('writes the holder record whole, private (0600)', () => {
    const dir = scratch();
    const lock = acquireLock(dir, 'deploy');
    const record = JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'));
    expect(record).toMatchObject({ pid: process.pid, host: hostname(), command: 'deploy' });
    expect(spawnSync('stat', ['-c', '%a', join(dir, LOCK_FILE)]).stdout.toString().trim()).toBe('600');
    lock.release();
  });

  it('takes over a lock left by a dead process', () => {
    const dir = scratch();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), command: 'deploy', started: 'then' }));
    const lock = acquireLock(dir, 'deploy');
    expect(lockPid(dir)).toBe(process.pid);
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it("counts another machine's lock as held: its pid cannot be checked from here", () => {
    const dir = scratch();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: 'elsewhere', command: 'deploy', started: 'then' }));
    expect(refusal(dir).message).toContain('(deploy, pid');
  });

  it('counts a just-created empty or unparsable lock as held (being written), and takes it over once old', () => {
    const dir = scratch();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '');
    expect(refusal(dir).message).toMatch(/another m1 run holds the cluster lock \(being written: empty, \d+ ms old\)/);
    writeFileSync(path, '{"pid": 12');
    expect(refusal(dir).message).toContain('being written: unparsable');
    const old = (Date.now() - UNPARSABLE_STALE_MS - 1000) / 1000;
    utimesSync(path, old, old);
    const lock = acquireLock(dir, 'deploy');
    expect(lockPid(dir)).toBe(process.pid);
    lock.release();
  });

  it('counts a lock that cannot be read as held, without blocking on a FIFO', () => {
    const dir = scratch();
    mkdirSync(join(dir, LOCK_FILE));
    expect(refusal(dir).message).toContain('cannot be read');
    const fifoDir = scratch();
    expect(spawnSync('mkfifo', [join(fifoDir, LOCK_FILE)]).status).toBe(0);
    expect(refusal(fifoDir).message).toContain('cannot be read: ENOTREG');
  });

  it('escapes control characters of the holder record in its message', () => {
    const dir = scratch();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, host: hostname(), command: 'de\u001b[2Jploy', started: 'now' }));
    expect(refusal(dir).message).toContain('(de\\u001b[2Jploy, pid');
  });

  it('waits while another process holds the takeover claim, and clears a claim left by a killed process', () => {
    const dir = scratch();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: deadPid(), host: hostname(), command: 'deploy', started: 'then' }));
    writeFileSync(join(dir, TAKEOVER_FILE), '');
    // A fresh claim: someone is taking the stale lock over right now; after a while it is still there.
    expect(refusal(dir).message).toContain('other m1 runs kept taking it');
    expect(existsSync(join(dir, TAKEOVER_FILE))).toBe(true);
    // An old claim (its ctime cannot be set back: fake the clock instead).
    const now = Date.now;
    Date.now = () => now() + 60_000;
    try {
      const lock = acquireLock(dir, 'deploy');
      expect(lockPid(dir)).toBe(process.pid);
      lock.release();
    } finally {
      Date.now = now;
    }
    expect(readdirSync(dir)).toEqual([]);
  });

  it('does not remove a lock that replaced the one a slower process judged stale', () => {
    // A judges the dead process's lock stale; before A acts, B removes it and puts its own lock in place.
    const dir = scratch();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), command: 'deploy', started: 'then' }));
    const a = judge(path);
    if (a.kind !== 'stale') throw new Error(`judged ${a.kind}`);
    const b = acquireLock(dir, 'B');
    const bRecord = readFileSync(path, 'utf8');
    // A's takeover claims what is in place now (B's lock), sees it is not what it judged, leaves it.
    expect(takeOver(path, join(dir, TAKEOVER_FILE), a.seen)).toBe('retry');
    expect(readFileSync(path, 'utf8')).toBe(bRecord);
    expect(existsSync(join(dir, TAKEOVER_FILE))).toBe(false);
    b.release();
  });

  it('takes over the very file it judged stale', () => {
    const dir = scratch();
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), command: 'deploy', started: 'then' }));
    const a = judge(path);
    if (a.kind !== 'stale') throw new Error(`judged ${a.kind}`);
    expect(takeOver(path, join(dir, TAKEOVER_FILE), a.seen)).toBe('retry');
    expect(readdirSync(dir)).toEqual([]);
  });
});
