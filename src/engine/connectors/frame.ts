/**
 * How one command travels through a long-lived `sh`: the text written to the
 * shell's stdin for it, and the markers that end its stdout and stderr.
 *
 * - The command runs in a subshell through `eval` of a single-quoted word, so
 *   the long-lived shell itself only ever parses a quoted string: a syntax
 *   error, `exit` or `cd` in the command cannot end or change it.
 * - Its stdin is /dev/null, or the caller's data decoded from base64 out of a
 *   here-document whose delimiter is the unguessable token: nothing it runs
 *   can read the commands that follow from the shell's own stdin, and data
 *   never appears in any process's arguments.
 * - After it, a marker line carrying `$?` ends stdout and a marker line ends
 *   stderr. The token is random per session, so command output cannot forge it.
 */
import { quote } from '../shell/quote.js';

export function frameCommand(command: string, token: string, stdin?: Buffer): string {
  const ends = `printf '\\n%s:%s\\n' ${token} "$?"; printf '\\n%s\\n' ${token} >&2\n`;
  const body = `( eval ${quote(command)} )`;
  if (stdin === undefined) return `${body} </dev/null; ${ends}`;
  const encoded = stdin.toString('base64').replace(/.{1,76}/g, '$&\n');
  // The here-document operator ends its line, so the body cannot be confused with the command's own newlines.
  return `{ base64 -d <<'${token}_IN'\n${encoded}${token}_IN\n} | ${body}; ${ends}`;
}

/** The bytes that end a command's stdout; its exit status follows, then a newline. */
export function stdoutMarker(token: string): Buffer {
  return Buffer.from(`\n${token}:`, 'latin1');
}

/** The bytes that end a command's stderr. */
export function stderrMarker(token: string): Buffer {
  return Buffer.from(`\n${token}\n`, 'latin1');
}
