import { describe, expect, it } from 'vitest';
import { Capture } from './capture.js';

describe('Capture', () => {
  it('finds a marker split across any chunk boundary', () => {
    const text = Buffer.from('some output\nmore\n\nM1_tok_1:0\n');
    const marker = Buffer.from('\nM1_tok_1:');
    for (let size = 1; size <= text.length; size++) {
      const c = new Capture(marker);
      let seen = false;
      for (let i = 0; i < text.length; i += size) seen = c.push(text.subarray(i, i + size)) || seen;
      expect(seen).toBe(true);
      expect(c.markerOffset).toBe(text.indexOf(marker));
      expect(c.all().equals(text)).toBe(true);
    }
  });
  it('does not see a marker that is not there', () => {
    const c = new Capture(Buffer.from('\nEND:'));
    expect(c.push(Buffer.from('\nEN'))).toBe(false);
    expect(c.push(Buffer.from('D;'))).toBe(false);
    expect(c.markerOffset).toBe(-1);
  });
});
