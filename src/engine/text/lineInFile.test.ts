import { describe, expect, it } from 'vitest';
import { ensureLine } from './lineInFile.js';

describe('ensureLine', () => {
  it('appends a missing line, adding the missing final newline', () => {
    expect(ensureLine('a\nb', { line: 'c' })).toBe('a\nb\nc\n');
    expect(ensureLine('', { line: 'c' })).toBe('c\n');
  });
  it('changes nothing when the line is there', () => {
    const text = 'a\nlisten_addresses = *\nb\n';
    expect(ensureLine(text, { line: 'listen_addresses = *' })).toBe(text);
    expect(ensureLine(text, { line: 'listen_addresses = *', regexp: /^#?listen_addresses/ })).toBe(text);
  });
  it('replaces the last line matching the regexp', () => {
    const text = "#port = 5432\nport = 5433\nx\n";
    expect(ensureLine(text, { line: 'port = 6432', regexp: /^#?port\s*=/ })).toBe('#port = 5432\nport = 6432\nx\n');
  });
  it('inserts after the last or before the first matching line', () => {
    expect(ensureLine('[a]\nx=1\n[b]\ny=2\n', { line: 'z=3', insertAfter: /^x=/ })).toBe('[a]\nx=1\nz=3\n[b]\ny=2\n');
    expect(ensureLine('a\n[b]\n[b]\n', { line: 'z', insertBefore: /^\[b\]/ })).toBe('a\nz\n[b]\n[b]\n');
  });
  it('removes matching lines when absent', () => {
    expect(ensureLine('a\nsecret=1\nb\nsecret=2\n', { state: 'absent', regexp: /^secret=/ })).toBe('a\nb\n');
    expect(ensureLine('a\nb\n', { state: 'absent', line: 'c' })).toBe('a\nb\n');
    expect(ensureLine('only\n', { state: 'absent', line: 'only' })).toBe('');
  });
  it('works with global regexps repeatedly', () => {
    const re = /^k=/g;
    expect(ensureLine('k=1\nk=2\n', { line: 'k=3', regexp: re })).toBe('k=1\nk=3\n');
  });
});
