/**
 * The end of a program's output, for error messages and the run log: what a
 * failing program says last is usually why it failed. Blank lines and
 * trailing spaces (and a Windows line end) are dropped so the few lines kept
 * carry text.
 */

/** The last `n` non-blank lines of `text`, oldest first, joined by `separator` (one line for messages by default). */
export function lastLines(text: string, n: number, separator = ' | '): string {
  if (n <= 0) return '';
  return text
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== '')
    .slice(-n)
    .join(separator);
}

/** The last `n` non-blank lines of a command's stderr, on one line ('' when it said nothing). */
export function stderrTail(result: { readonly stderr: string }, n: number): string {
  return lastLines(result.stderr, n);
}
