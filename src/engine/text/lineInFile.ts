/**
 * The text transformation behind the line-in-file operation: make sure a line
 * is present (replacing the last line matching `regexp`) or absent.
 */

export interface LineSpec {
  /** The line wanted (without newline). */
  line?: string;
  /** Lines matching this are replaced by `line` (present) or removed (absent). */
  regexp?: RegExp;
  state?: 'present' | 'absent';
  /** Where a new line goes: after the last line matching this, or at the end (default). */
  insertAfter?: RegExp;
  /** Where a new line goes: before the first line matching this. */
  insertBefore?: RegExp;
}

export function ensureLine(content: string, spec: LineSpec): string {
  const state = spec.state ?? 'present';
  const endsWithNewline = content === '' || content.endsWith('\n');
  const lines = content === '' ? [] : content.replace(/\n$/, '').split('\n');
  const test = (re: RegExp, s: string) => {
    re.lastIndex = 0;
    return re.test(s);
  };
  if (state === 'absent') {
    if (!spec.regexp && spec.line === undefined) throw new Error('line in file: absent needs a line or a regexp');
    const kept = lines.filter((l) => !(spec.regexp ? test(spec.regexp, l) : l === spec.line));
    if (kept.length === lines.length) return content;
    return kept.length ? kept.join('\n') + (endsWithNewline ? '\n' : '') : '';
  }
  if (spec.line === undefined) throw new Error('line in file: present needs a line');
  if (spec.line.includes('\n')) throw new Error('line in file: the line must not contain a newline');
  const line = spec.line;
  if (spec.regexp) {
    let last = -1;
    lines.forEach((l, i) => {
      if (test(spec.regexp!, l)) last = i;
    });
    if (last >= 0) {
      if (lines[last] === line) return content;
      lines[last] = line;
      return lines.join('\n') + (endsWithNewline ? '\n' : '');
    }
  }
  if (lines.includes(line)) return content;
  let at = lines.length;
  if (spec.insertAfter) {
    let last = -1;
    lines.forEach((l, i) => {
      if (test(spec.insertAfter!, l)) last = i;
    });
    if (last >= 0) at = last + 1;
  } else if (spec.insertBefore) {
    const first = lines.findIndex((l) => test(spec.insertBefore!, l));
    if (first >= 0) at = first;
  }
  lines.splice(at, 0, line);
  return lines.join('\n') + '\n';
}
