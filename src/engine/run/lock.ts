/**
 * One run at a time per cluster: a lock file in the cluster directory,
 * created exclusively, naming the holder. A lock left by a process that no
 * longer exists is taken over; a live one refuses the run (exit 3).
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { openSync, writeSync, closeSync, readFileSync, unlinkSync, renameSync } from 'node:fs';
import { RefusedError } from '../../errors.js';

export const LOCK_FILE = '.m1.lock';

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

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(path: string): LockInfo | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
  } catch {
    return undefined;
  }
}

export function acquireLock(clusterDir: string, command: string): Lock {
  const path = join(clusterDir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, JSON.stringify(info) + '\n');
      closeSync(fd);
      return {
        path,
        release: () => {
          if (readLock(path)?.pid === process.pid) unlinkSync(path);
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readLock(path);
    // Another machine's pid cannot be checked from here: treat its lock as live.
    if (holder && (holder.host !== info.host || alive(holder.pid))) {
      throw new RefusedError(
        `${clusterDir}: another m1 run holds the cluster lock (${holder.command}, pid ${holder.pid} on ${holder.host}, since ${holder.started}); ` +
          `wait for it to finish, or remove ${path} if that process is gone`,
      );
    }
    // Stale (dead pid or unreadable): move it aside atomically; only one taker wins the rename.
    try {
      renameSync(path, `${path}.stale-${process.pid}`);
      unlinkSync(`${path}.stale-${process.pid}`);
    } catch {
      // someone else took it over first; the next attempt decides
    }
  }
  throw new RefusedError(`${clusterDir}: could not take the cluster lock ${path}; another m1 run is starting`);
}
