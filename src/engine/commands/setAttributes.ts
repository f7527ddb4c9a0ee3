/** Changes owner and/or mode of an existing path (no content change). */
import { quote } from '../shell/quote.js';
import { assertManagedPath } from './paths.js';
import { assertMode, ownerSpec } from './writeFile.js';

export function buildSetAttributes(path: string, attrs: { owner?: string; group?: string; mode?: string }): string {
  assertManagedPath(path);
  const p = quote(path);
  const out: string[] = [];
  const own = ownerSpec(attrs.owner, attrs.group);
  if (own) out.push(`chown -- ${quote(own)} ${p}`);
  if (attrs.mode) {
    assertMode(attrs.mode);
    out.push(`chmod -- ${attrs.mode} ${p}`);
  }
  return out.join(' && ');
}

/** Removes a file, or a directory tree when `recursive`. */
export function buildRemovePath(path: string, recursive = false): string {
  assertManagedPath(path);
  if (path === '/') throw new Error('refusing to remove /');
  return `rm -f${recursive ? 'r' : ''} -- ${quote(path)}`;
}
