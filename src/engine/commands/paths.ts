/**
 * Paths the engine manages must be absolute and free of the few characters
 * that would make line-oriented tool output (stat, sha256sum) ambiguous.
 */
export function assertManagedPath(path: string): void {
  if (!path.startsWith('/')) throw new Error(`path ${JSON.stringify(path)} must be absolute`);
  if (/[\n\r\t\\]/.test(path)) throw new Error(`path ${JSON.stringify(path)} contains a newline, tab or backslash, which m1 does not manage`);
}

/** The directory part of an absolute path ("/" for top-level entries). */
export function parentDir(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const at = trimmed.lastIndexOf('/');
  return at <= 0 ? '/' : trimmed.slice(0, at);
}
