import { describe, expect, it } from 'vitest';
import { REDACTED, Secrets } from './secrets.js';

describe('Secrets', () => {
  it('redacts every occurrence of every registered value', () => {
    const s = new Secrets();
    s.register('hunter2');
    s.register('p@ss.w*rd');
    expect(s.redact('a hunter2 b hunter2 p@ss.w*rd')).toBe(`a ${REDACTED} b ${REDACTED} ${REDACTED}`);
  });
  it('hides overlapping secrets fully', () => {
    const s = new Secrets();
    s.register('abc');
    s.register('abcdef');
    expect(s.redact('xabcdefx')).toBe(`x${REDACTED}x`);
  });
  it('redacts the JSON-escaped form too', () => {
    const s = new Secrets();
    s.register('a"b\\c');
    expect(s.redact(JSON.stringify({ pw: 'a"b\\c' }))).toBe(`{"pw":"${REDACTED}"}`);
  });
  it('returns the value and ignores the empty string', () => {
    const s = new Secrets();
    expect(s.register('x1y2')).toBe('x1y2');
    s.register('');
    expect(s.redact('plain')).toBe('plain');
    expect(s.contains('has x1y2')).toBe(true);
  });
});
