/**
 * One command that reads many regular files: sizes from stat, then all the
 * contents concatenated and base64-encoded (binary-safe), split back by size.
 */
import { quoteAll } from '../shell/quote.js';
import { assertManagedPath } from './paths.js';

const SEPARATOR = '--m1-contents--';

export function buildReadFiles(paths: readonly string[]): string {
  paths.forEach(assertManagedPath);
  return [
    `set --; for p in ${quoteAll(paths)}; do [ -f "$p" ] && set -- "$@" "$p"; done`,
    `[ $# -eq 0 ] || stat -L -c '%s|%n' -- "$@"`,
    `echo ${SEPARATOR}`,
    `[ $# -eq 0 ] || cat -- "$@" | base64 -w0`,
  ].join('; ');
}

/**
 * Each requested path mapped to its content, or null when it is not a
 * regular file. Throws when the sizes do not add up (a file changed while
 * being read), so the caller reads again.
 */
export function parseReadFiles(paths: readonly string[], stdout: string): Map<string, Buffer | null> {
  const result = new Map<string, Buffer | null>(paths.map((p) => [p, null]));
  const at = stdout.indexOf(`${SEPARATOR}\n`);
  if (at < 0) throw new Error('readFiles: unexpected output');
  const data = Buffer.from(stdout.slice(at + SEPARATOR.length + 1).trim(), 'base64');
  let offset = 0;
  for (const line of stdout.slice(0, at).split('\n')) {
    const bar = line.indexOf('|');
    if (bar < 0) continue;
    const size = Number(line.slice(0, bar));
    const path = line.slice(bar + 1);
    if (result.has(path)) result.set(path, data.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== data.length) throw new Error(`readFiles: files changed while being read (${offset} bytes expected, ${data.length} read)`);
  return result;
}
