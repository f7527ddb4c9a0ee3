import { describe, expect, it } from 'vitest';
import { ident, literal } from './sqlQuote.js';

describe('literal', () => {
  it('single-quotes plain text', () => {
    expect(literal('repmgr')).toBe("'repmgr'");
    expect(literal('')).toBe("''");
  });
  it('doubles single quotes', () => {
    expect(literal("it's")).toBe("'it''s'");
    expect(literal("''")).toBe("''''''");
  });
  it('writes a value with a backslash as an E literal with the backslash doubled, so standard_conforming_strings does not matter', () => {
    // With the setting on, 'a\b' is a\b; with it off, \b is a backspace. E'a\\b' is a\b either way.
    expect(literal('C:\\data')).toBe("E'C:\\\\data'");
    expect(literal("\\'")).toBe("E'\\\\'''");
  });
  it('keeps unicode and line breaks as they are', () => {
    expect(literal('zoë 数据 🐘')).toBe("'zoë 数据 🐘'");
    expect(literal('a\nb')).toBe("'a\nb'");
  });
  it('leaves double quotes, dollar quotes and semicolons inert inside the quotes', () => {
    expect(literal('x"; DROP TABLE t; $$')).toBe(`'x"; DROP TABLE t; $$'`);
  });
  it('refuses NUL, which PostgreSQL text cannot hold', () => {
    expect(() => literal('a\0b')).toThrow(/NUL/);
  });
});

describe('ident', () => {
  it('double-quotes, keeping case', () => {
    expect(ident('barman')).toBe('"barman"');
    expect(ident('Mixed Case')).toBe('"Mixed Case"');
  });
  it('doubles double quotes and leaves single quotes and backslashes alone', () => {
    expect(ident('a"b')).toBe('"a""b"');
    expect(ident("o'k\\")).toBe(`"o'k\\"`);
  });
  it('keeps unicode', () => {
    expect(ident('données')).toBe('"données"');
  });
  it('refuses NUL', () => {
    expect(() => ident('a\0')).toThrow(/NUL/);
  });
});
