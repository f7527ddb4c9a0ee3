/**
 * POSIX shell quoting. Every value that reaches a remote command line goes
 * through `quote`, so no path, user or package name is ever re-parsed by sh.
 */

/** Characters that never need quoting in a POSIX shell word. */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** One shell word: single-quoted unless it is made of safe characters only. */
export function quote(value: string): string {
  if (value === '') return "''";
  if (SAFE.test(value)) return value;
  // Inside single quotes nothing is special but the quote itself: close, escape it, reopen.
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Several words joined by spaces, each quoted. */
export function quoteAll(values: readonly string[]): string {
  return values.map(quote).join(' ');
}

/** Builds a command line from a program and its arguments, quoting each. */
export function argv(program: string, ...args: readonly string[]): string {
  return quoteAll([program, ...args]);
}
