/**
 * Files m1 keeps on this machine, in a cluster directory: config.yml,
 * inventory.json, secrets/, keys, known_hosts. Each appears whole or not at
 * all: it is written to a temporary file beside it, which gets its final mode
 * before any content, is flushed to disk, then renamed into place (or, for a
 * file that must never be replaced, hard-linked into place, which fails when
 * the name exists). A crash leaves the old file or the new one, never an
 * empty or half-written one (an empty password file would break the next
 * deploy).
 *
 * Directories are created one level at a time, so a path that cannot be a
 * directory (a file, something under a file, a dangling link, a path under
 * /proc) is one line naming the culprit, and nothing is left behind.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, readlink, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { M1Error } from '../errors.js';
import { ExitCode } from '../exitCodes.js';

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException).code;
}

async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e;
  }
}

/** Makes a rename or link in `dir` durable (the entry itself lives in the directory). */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some file systems cannot fsync a directory; the data itself is flushed already.
  }
}

export interface AtomicWriteOptions {
  /** The file's mode, set before its content is written (the umask does not apply). */
  mode: number;
  /** Never replace an existing file: fails with code EEXIST when `path` exists. */
  exclusive?: boolean;
}

/** Writes `path` whole or not at all (see above). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    try {
      await handle.chmod(options.mode);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (options.exclusive) await link(temp, path);
    else await rename(temp, path);
  } finally {
    await unlinkQuietly(temp);
  }
  await syncDirectory(dir);
}

function kindOf(st: { isFile(): boolean; isFIFO(): boolean; isSocket(): boolean }): string {
  return st.isFile() ? 'a file' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device';
}

/**
 * Why `path` cannot be (or be made) a directory, or undefined when it is one
 * or can be created: what is in the way, found walking up from `path`.
 */
async function notADirectory(path: string): Promise<string | undefined> {
  const target = resolve(path);
  for (let p = target; ; ) {
    let st;
    try {
      st = await lstat(p);
    } catch (e) {
      // ENOTDIR: a parent is not a directory; the walk up finds which.
      if (errno(e) !== 'ENOENT' && errno(e) !== 'ENOTDIR') return `${path}: cannot examine ${p} (${errno(e) ?? String(e)})`;
      if (dirname(p) === p) return undefined;
      p = dirname(p);
      continue;
    }
    const it = p === target ? path : `${path}: ${p}`;
    if (st.isDirectory()) return undefined;
    if (st.isSymbolicLink()) {
      const to = await readlink(p).catch(() => '?');
      const resolved = await stat(p).catch(() => undefined);
      if (!resolved) return `${it} is a symbolic link to ${to}, which does not exist`;
      return resolved.isDirectory() ? undefined : `${it} is a symbolic link to ${kindOf(resolved)}, not a directory`;
    }
    return `${it} is ${kindOf(st)}, not a directory`;
  }
}

/**
 * Creates directory `path` and its missing parents (each with `mode`), or
 * throws one line (exit 2) naming what is in the way and `fix`; on failure,
 * the directories it created are removed again.
 */
export async function makeDirectory(path: string, options: { mode?: number; fix: string }): Promise<void> {
  const fail = (why: string): never => {
    throw new M1Error(`${why}; ${options.fix}`, ExitCode.BadInput);
  };
  const problem = await notADirectory(path);
  if (problem) fail(problem);
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      await stat(p);
      break;
    } catch {
      missing.unshift(p);
      if (dirname(p) === p) break;
    }
  }
  const created: string[] = [];
  try {
    for (const d of missing) {
      try {
        await mkdir(d, { mode: options.mode ?? 0o777 });
        created.push(d);
      } catch (e) {
        if (errno(e) === 'EEXIST' && (await stat(d).then((s) => s.isDirectory(), () => false))) continue; // made by another run
        fail(`${path}: cannot create directory ${d} (${errno(e) ?? String(e)})`);
      }
    }
  } catch (e) {
    for (const d of created.reverse()) await rmdir(d).catch(() => undefined);
    throw e;
  }
}
