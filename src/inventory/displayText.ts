/**
 * Text that came from a config file (or another process) printed on a
 * terminal: control characters would move the cursor, recolour or retitle the
 * terminal, or hide what follows. They are shown as JSON-style escapes
 * (ESC -> \u001b, newline -> \n), everything else as is.
 */

// C0 controls, DEL, C1 controls, line/paragraph separators and the bidirectional
// overrides and isolates that reorder what follows them.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const SHORT: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

export function displayText(value: unknown): string {
  return String(value).replace(UNSAFE, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
