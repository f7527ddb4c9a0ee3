/**
 * Unified diff of two texts (Myers' O(ND) algorithm over lines), in the
 * format of `diff -u`, for reporting what a file operation changes.
 */

type Edit = { kind: ' ' | '-' | '+'; line: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

/** The shortest edit script turning a into b. */
function myers(a: string[], b: string[]): Edit[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v: Int32Array = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  trace.push(v);
  // Walk back through the saved frontiers to recover the path.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 2; d >= 0; d--) {
    v = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : v[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) edits.push({ kind: ' ', line: a[--x]! }), y--;
    if (d === 0) break;
    if (x === prevX) edits.push({ kind: '+', line: b[--y]! });
    else edits.push({ kind: '-', line: a[--x]! });
  }
  while (x > 0 && y > 0) edits.push({ kind: ' ', line: a[--x]! }), y--;
  return edits.reverse();
}

export interface DiffOptions {
  fromFile?: string;
  toFile?: string;
  context?: number;
}

/** `diff -u` output, or '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, options: DiffOptions = {}): string {
  if (before === after) return '';
  const context = options.context ?? 3;
  const edits = myers(splitLines(before), splitLines(after));
  const out: string[] = [`--- ${options.fromFile ?? 'before'}`, `+++ ${options.toFile ?? 'after'}`];
  let i = 0;
  while (i < edits.length) {
    while (i < edits.length && edits[i]!.kind === ' ') i++;
    if (i >= edits.length) break;
    // A hunk: from `context` lines before this change to `context` after the last change closer than 2*context.
    let start = Math.max(0, i - context);
    let end = i;
    for (let j = i; j < edits.length; j++) {
      if (edits[j]!.kind !== ' ') end = j;
      else if (j - end > 2 * context) break;
    }
    const stop = Math.min(edits.length, end + context + 1);
    let aLine = 1;
    let bLine = 1;
    for (let j = 0; j < start; j++) {
      if (edits[j]!.kind !== '+') aLine++;
      if (edits[j]!.kind !== '-') bLine++;
    }
    const hunk = edits.slice(start, stop);
    const aCount = hunk.filter((e) => e.kind !== '+').length;
    const bCount = hunk.filter((e) => e.kind !== '-').length;
    out.push(`@@ -${aCount ? aLine : aLine - 1},${aCount} +${bCount ? bLine : bLine - 1},${bCount} @@`);
    for (const e of hunk) out.push(e.kind + e.line);
    i = stop;
    start = stop;
  }
  return out.join('\n') + '\n';
}
