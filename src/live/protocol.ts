/**
 * The line protocol every reading speaks: each answer is one stdout line
 * `m1:<key>=<value>`, where a key may carry a part after a colon
 * (`m1:conf:0000-tpa.conf=...`, `m1:bcheck:main=...`). Values that may hold
 * anything (files, a program's whole output) travel as base64, so one reading
 * of many facts is one stream that any fact's parser can pick its lines from.
 * Lines that do not start with `m1:` (noise from a login script) are ignored.
 */
import { quote } from '../engine/index.js';
import { lastLines } from '../engine/text/tail.js';

export interface Line {
  /** The whole key, e.g. `conf:0000-tpa.conf`. */
  key: string;
  value: string;
}

const LINE = /^m1:([A-Za-z0-9_.:@-]+)=(.*)$/;

export function readLines(stdout: string): Line[] {
  const out: Line[] = [];
  for (const raw of stdout.split('\n')) {
    const m = LINE.exec(raw.replace(/\r$/, ''));
    if (m) out.push({ key: m[1]!, value: m[2]! });
  }
  return out;
}

/** The lines of a key: the key itself, or `<key>:<part>`; `part` is what follows the colon ('' for the key itself). */
export function linesOf(lines: readonly Line[], key: string): Array<Line & { part: string }> {
  const out: Array<Line & { part: string }> = [];
  for (const l of lines) {
    if (l.key === key) out.push({ ...l, part: '' });
    else if (l.key.startsWith(`${key}:`)) out.push({ ...l, part: l.key.slice(key.length + 1) });
  }
  return out;
}

export const decode = (b64: string): string => Buffer.from(b64, 'base64').toString('utf8');

/** Shell: a file as one base64 line when it exists (nothing when it does not). */
export function fileLine(key: string, path: string): string {
  return `[ -f ${quote(path)} ] && echo "m1:${key}=$(base64 -w0 < ${quote(path)})"`;
}

/** Shell: a whole command's output (stdout and stderr) as one line with its exit status: `m1:<key>=<status>:<base64>`. */
export function capturedLine(key: string, cmd: string): string {
  return `out=$(${cmd} 2>&1); echo "m1:${key}=$?:$(printf '%s' "$out" | base64 -w0)"`;
}

export interface Captured {
  code: number;
  text: string;
}

/** The value of a capturedLine(). */
export function parseCaptured(value: string): Captured {
  const at = value.indexOf(':');
  return { code: Number(value.slice(0, at)), text: decode(value.slice(at + 1)) };
}

/**
 * A program's answer (a capturedLine()) read by `parse`; undefined, with the
 * reason as a problem, when the program failed (`failed` names it, with its
 * last line) or `parse` threw.
 */
export function parseCapturedAnswer<T>(line: Line | undefined, problem: (message: string) => void, failed: (code: number) => string, parse: (text: string) => T): T | undefined {
  if (!line) return undefined;
  const c = parseCaptured(line.value);
  try {
    if (c.code !== 0) throw new Error(`${failed(c.code)}: ${lastLines(c.text, 1)}`);
    return parse(c.text);
  } catch (e) {
    problem((e as Error).message);
    return undefined;
  }
}

/** The `|`-separated fields of a row printed by sqlRows(). */
export const fields = (value: string): string[] => value.split('|');
/** '' (SQL NULL in sqlRows()) as undefined. */
export const opt = (s: string | undefined): string | undefined => (s === undefined || s === '' ? undefined : s);
export const num = (s: string | undefined): number | undefined => (s === undefined || s === '' || Number.isNaN(Number(s)) ? undefined : Number(s));
/** A boolean printed by sqlRows() (`true` / `false`, from ::text). */
export const bool = (s: string | undefined): boolean => s === 'true';
