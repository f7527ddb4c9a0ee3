import { describe, expect, it } from 'vitest';
import { displayText } from './displayText.js';

describe('displayText', () => {
  it('shows control characters as JSON-style escapes', () => {
    expect(displayText('a\u001b[2Jb')).toBe('a\\u001b[2Jb');
    expect(displayText('line\nnext\ttab\r')).toBe('line\\nnext\\ttab\\r');
    expect(displayText('\u0000\u007f\u009b')).toBe('\\u0000\\u007f\\u009b');
  });

  it('escapes what reorders the text that follows (bidirectional overrides, isolates)', () => {
    expect(displayText('admin\u202egnp.exe')).toBe('admin\\u202egnp.exe');
    expect(displayText('x\u2066y\u2069')).toBe('x\\u2066y\\u2069');
  });

  it('leaves printable text as it is, Unicode and backslashes included', () => {
    expect(displayText('Zürich 東京 └─ C:\\dir "q"')).toBe('Zürich 東京 └─ C:\\dir "q"');
  });
});
