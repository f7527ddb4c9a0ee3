/** Quoting for the POSIX shell commands the roles build. */

/** One shell word, single-quoted unless it only holds characters no shell treats specially. */
export function shq(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A command line from words, each quoted as needed. */
export function shellJoin(words: readonly string[]): string {
  return words.map(shq).join(' ');
}
