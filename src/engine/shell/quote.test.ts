import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { argv, quote, quoteAll } from './quote.js';

/** What sh really sees after parsing the quoted words. */
function shWords(line: string): string[] {
  const out = execFileSync('sh', ['-c', `for w in ${line}; do printf '%s\\0' "$w"; done`]);
  return out.toString('utf8').split('\0').slice(0, -1);
}

describe('quote', () => {
  it('leaves safe words alone', () => {
    expect(quote('/etc/postgresql/15/main')).toBe('/etc/postgresql/15/main');
    expect(quote('postgresql-15')).toBe('postgresql-15');
  });
  it('quotes the empty string', () => {
    expect(shWords(`x ${quote('')} y`)).toEqual(['x', '', 'y']);
  });
  it('round-trips hostile values through sh', () => {
    const values = ["it's", 'a b', '$(id)', '`id`', '"q"', 'back\\slash', 'new\nline', "''", '*', ';rm -rf /;', '~root'];
    for (const v of values) expect(shWords(quote(v))).toEqual([v]);
  });
  it('quoteAll and argv keep word boundaries', () => {
    expect(shWords(quoteAll(['a b', 'c']))).toEqual(['a b', 'c']);
    expect(argv('echo', "x'y", 'z')).toBe(`echo 'x'\\''y' z`);
  });
});
