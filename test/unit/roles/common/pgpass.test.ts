import { describe, expect, it } from 'vitest';
import { pgpassFile, pgpassLine } from '../../../../src/products/system/pgpass.js';

describe('pgpassLine', () => {
  it('escapes colons and backslashes in every field', () => {
    expect(pgpassLine({ host: 'fe80::1', port: 5432, database: '*', user: 'a\\b', password: 'p:w\\d' })).toBe(
      'fe80\\:\\:1:5432:*:a\\\\b:p\\:w\\\\d',
    );
  });
  it('refuses a line break, which would split the entry', () => {
    expect(() => pgpassLine({ host: '*', port: '*', database: '*', user: 'u', password: 'a\nb' })).toThrow(/line breaks/);
  });
});

describe('pgpassFile', () => {
  it('writes one line per entry, newline-terminated', () => {
    expect(pgpassFile([{ host: '*', port: '*', database: '*', user: 'repmgr', password: 'x' }])).toBe('*:*:*:repmgr:x\n');
    expect(pgpassFile([])).toBe('');
  });
});
