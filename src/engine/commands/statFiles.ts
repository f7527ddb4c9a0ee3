/**
 * One command that stats many paths and hashes the regular files among them:
 * two processes (stat, sha256sum) whatever the number of paths.
 */
import { quoteAll } from '../shell/quote.js';
import { assertManagedPath } from './paths.js';

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

export interface FileStat {
  type: FileType;
  /** Permission bits as 4 octal digits, e.g. "0644". */
  mode: string;
  owner: string;
  group: string;
  size: number;
  /** sha256 of the content, for regular files. */
  sha256?: string;
}

const SEPARATOR = '--m1-hashes--';

export function buildStatFiles(paths: readonly string[]): string {
  paths.forEach(assertManagedPath);
  const list = quoteAll(paths);
  return [
    `set --; for p in ${list}; do [ -f "$p" ] && set -- "$@" "$p"; done`,
    // %n last: a path may contain '|'. Missing paths are simply absent from the output.
    `stat -c '%F|%a|%U|%G|%s|%n' -- ${list} 2>/dev/null`,
    `echo ${SEPARATOR}`,
    `[ $# -eq 0 ] || sha256sum -- "$@"`,
  ].join('; ');
}

function fileType(kind: string): FileType {
  if (kind === 'regular file' || kind === 'regular empty file') return 'file';
  if (kind === 'directory') return 'directory';
  if (kind === 'symbolic link') return 'symlink';
  return 'other';
}

/** Each requested path mapped to its stat, or null when it does not exist. */
export function parseStatFiles(paths: readonly string[], stdout: string): Map<string, FileStat | null> {
  const result = new Map<string, FileStat | null>(paths.map((p) => [p, null]));
  const [statPart = '', hashPart = ''] = stdout.split(`${SEPARATOR}\n`);
  for (const line of statPart.split('\n')) {
    const fields = line.split('|');
    if (fields.length < 6) continue;
    const [kind = '', mode = '', owner = '', group = '', size = ''] = fields;
    const path = fields.slice(5).join('|');
    if (!result.has(path)) continue;
    result.set(path, { type: fileType(kind), mode: mode.padStart(4, '0'), owner, group, size: Number(size) });
  }
  for (const line of hashPart.split('\n')) {
    const m = /^([0-9a-f]{64}) [ *](.*)$/.exec(line);
    if (!m) continue;
    const stat = result.get(m[2]!);
    if (stat) stat.sha256 = m[1];
  }
  return result;
}
