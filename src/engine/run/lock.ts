/**
 * One run at a time per cluster: the lock file .m1.lock in the cluster
 * directory names its holder (pid, host, command, start time).
 *
 * Taking it: the holder's record is written, complete, to a private temp
 * file, which is then hard-linked into place. link(2) fails when the name
 * exists, so exactly one process wins, and a lock never appears half
 * written. The winner re-checks that the file in place is its own.
 *
 * A lock whose holder is alive on this machine, or that belongs to another
 * machine (its pid cannot be checked from here), refuses the run (exit 3).
 * So does an empty or unparsable lock younger than a few seconds (one being
 * written by another version of m1), and one that cannot be read.
 *
 * A stale lock (dead pid on this machine, or an empty/unparsable file older
 * than a few seconds) is taken over. Two processes may judge the same file
 * stale; by the time the slower one acts, the faster one may already have
 * removed it and put its own lock in place. So a taker first hard-links the
 * lock to a claim name (.m1.lock.takeover, exclusive like the lock itself),
 * checks that the claim is the very file it judged (same inode, same bytes),
 * and only then removes the lock, then the claim. Nobody else removes a lock
 * it did not judge stale, and a claim holder is the only one who may remove
 * a stale one, so a fresh lock is never removed by a takeover.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  linkSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { displayText } from '../../inventory/displayText.js';
import { RefusedError } from '../../errors.js';

export const LOCK_FILE = '.m1.lock';
/** Exclusive name under which one process at a time removes a stale lock. */
export const TAKEOVER_FILE = `${LOCK_FILE}.takeover`;
/** An empty or unparsable lock younger than this is being written: held. Older, it is debris. */
export const UNPARSABLE_STALE_MS = 5_000;
/** A takeover claim lives for a few system calls; one older than this was left by a killed process. */
const TAKEOVER_STALE_MS = 10_000;
/** A lock record is a line of JSON; anything much longer is not one. */
const MAX_LOCK_BYTES = 4096;
const TEMP_NAME = /^\.m1\.lock\.(\d+)\.[0-9a-f]+\.tmp$/;

export interface LockInfo {
  pid: number;
  host: string;
  command: string;
  started: string;
}

export interface Lock {
  readonly path: string;
  release(): void;
}

/** A file as read through one descriptor: its identity and its bytes belong together. */
export interface Snapshot {
  dev: number;
  ino: number;
  mtimeMs: number;
  content: string;
}

export type Judgement =
  | { kind: 'gone' }
  | { kind: 'held'; holder: string }
  | { kind: 'stale'; seen: Snapshot };

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errno(e) === 'EPERM';
  }
}

/** Sleeps synchronously (acquireLock is synchronous; waits are a few milliseconds). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Reads a regular file without following a link and without blocking on a
 * FIFO or device; undefined when it does not exist. Throws when it exists but
 * is not a readable regular file.
 */
function snapshot(path: string): Snapshot | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined;
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'ENOTREG' });
    const buf = Buffer.alloc(MAX_LOCK_BYTES);
    let length = 0;
    for (let n = -1; n !== 0 && length < buf.length; length += n) n = readSync(fd, buf, length, buf.length - length, length);
    return { dev: st.dev, ino: st.ino, mtimeMs: st.mtimeMs, content: buf.subarray(0, length).toString('utf8') };
  } finally {
    closeSync(fd);
  }
}

function parseLock(content: string): LockInfo | undefined {
  try {
    const v = JSON.parse(content) as Partial<LockInfo>;
    if (!Number.isInteger(v.pid) || (v.pid as number) <= 0 || typeof v.host !== 'string') return undefined;
    return { pid: v.pid as number, host: v.host, command: String(v.command ?? '?'), started: String(v.started ?? '?') };
  } catch {
    return undefined;
  }
}

function describe(info: LockInfo): string {
  return `${displayText(info.command)}, pid ${info.pid} on ${displayText(info.host)}, since ${displayText(info.started)}`;
}

/** Whether the lock at `path` is held by someone, stale, or gone. */
export function judge(path: string, myHost = hostname(), now = Date.now()): Judgement {
  let seen: Snapshot | undefined;
  try {
    seen = snapshot(path);
  } catch (e) {
    return { kind: 'held', holder: `${path} cannot be read: ${errno(e) ?? (e as Error).message}` };
  }
  if (!seen) return { kind: 'gone' };
  const info = parseLock(seen.content);
  if (info) {
    // Another machine's pid cannot be checked from here: its lock is live.
    if (info.host !== myHost || alive(info.pid)) return { kind: 'held', holder: describe(info) };
    return { kind: 'stale', seen };
  }
  const age = now - seen.mtimeMs;
  if (age < UNPARSABLE_STALE_MS) {
    return { kind: 'held', holder: `being written: ${seen.content.length === 0 ? 'empty' : 'unparsable'}, ${Math.max(0, Math.round(age))} ms old` };
  }
  return { kind: 'stale', seen };
}

function same(a: Snapshot | Stats, b: Snapshot | Stats): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e;
  }
}

/**
 * Removes the lock judged stale if it is still that very file. 'busy': another
 * process is taking it over (wait a moment and look again).
 */
export function takeOver(path: string, claim: string, seen: Snapshot): 'retry' | 'busy' {
  try {
    linkSync(path, claim);
  } catch (e) {
    if (errno(e) === 'ENOENT') return 'retry'; // the lock is gone already
    if (errno(e) !== 'EEXIST') throw e;
    try {
      if (Date.now() - lstatSync(claim).ctimeMs > TAKEOVER_STALE_MS) unlinkQuietly(claim);
    } catch (err) {
      if (errno(err) !== 'ENOENT') throw err;
    }
    return 'busy';
  }
  try {
    const claimed = snapshot(claim);
    // The claim is a second name of whatever was at `path` when linked. If that is the
    // file judged stale, it is still in place: only the claim holder removes stale locks.
    if (claimed && same(claimed, seen) && claimed.content === seen.content) unlinkQuietly(path);
  } finally {
    unlinkQuietly(claim);
  }
  return 'retry';
}

/** Writes the holder's record to a new private file, complete and on disk. */
function writeTemp(path: string, content: string): Stats {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
    return fstatSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** link(2) into place; false when the lock exists. */
function linkInto(temp: string, path: string): boolean {
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if (errno(e) === 'EEXIST') return false;
    // A network file system may report a link that happened as failed: the link count tells.
    if (lstatSync(temp).nlink === 2) return true;
    throw e;
  }
}

/** Removes temp files left by processes of this machine killed while taking the lock. */
function sweepTemps(dir: string, myHost: string): void {
  for (const name of readdirSync(dir)) {
    const m = TEMP_NAME.exec(name);
    if (!m || Number(m[1]) === process.pid) continue;
    try {
      const info = parseLock(snapshot(join(dir, name))?.content ?? '');
      if (info && info.host === myHost && !alive(info.pid)) unlinkQuietly(join(dir, name));
    } catch {
      // not ours to judge
    }
  }
}

export function acquireLock(clusterDir: string, command: string): Lock {
  const path = join(clusterDir, LOCK_FILE);
  const claim = join(clusterDir, TAKEOVER_FILE);
  const myHost = hostname();
  const info: LockInfo = { pid: process.pid, host: myHost, command, started: new Date().toISOString() };
  const content = JSON.stringify(info) + '\n';
  const temp = join(clusterDir, `${LOCK_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const mine = writeTemp(temp, content);
  try {
    for (let attempt = 0; attempt < 200; attempt++) {
      if (linkInto(temp, path)) {
        const inPlace = snapshot(path);
        if (!inPlace || !same(inPlace, mine) || inPlace.content !== content) {
          throw new RefusedError(`${clusterDir}: the cluster lock ${path} changed while it was taken; run again`);
        }
        sweepTemps(clusterDir, myHost);
        return held(path, mine);
      }
      const j = judge(path, myHost, Date.now());
      if (j.kind === 'held') {
        throw new RefusedError(
          `${clusterDir}: another m1 run holds the cluster lock (${j.holder}); ` +
            `wait for it to finish, or remove ${path} if that process is gone`,
        );
      }
      if (j.kind === 'stale' && takeOver(path, claim, j.seen) === 'busy') pause(2);
    }
  } finally {
    unlinkQuietly(temp);
  }
  throw new RefusedError(`${clusterDir}: could not take the cluster lock ${path}: other m1 runs kept taking it; run again`);
}

function held(path: string, mine: Stats): Lock {
  let released = false;
  return {
    path,
    release: () => {
      if (released) return;
      released = true;
      try {
        // Only our own file: after a stale takeover of ours (we were presumed dead), it is someone else's.
        if (same(lstatSync(path), mine)) unlinkSync(path);
      } catch (e) {
        if (errno(e) !== 'ENOENT') throw e;
      }
    },
  };
}
