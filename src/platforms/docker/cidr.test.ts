import { describe, expect, it } from 'vitest';
import { ipToNumber, numberToIp } from '../../inventory/network.js';
import { contains, defaultGateway, overlaps, parseCidr } from './cidr.js';

describe('cidr', () => {
  it('parses blocks and rejects garbage', () => {
    expect(parseCidr('10.33.48.226/32')).toEqual({ first: ((10 * 256 + 33) * 256 + 48) * 256 + 226, last: ((10 * 256 + 33) * 256 + 48) * 256 + 226, prefix: 32 });
    expect(parseCidr(' 10.0.0.0/8 ')).toEqual({ first: 10 * 2 ** 24, last: 11 * 2 ** 24 - 1, prefix: 8 });
    expect(parseCidr('10.0.0.256/24')).toBeUndefined();
    expect(parseCidr('10.0.0/24')).toBeUndefined();
    expect(parseCidr('fd00::/64')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });
  it('normalises a block to its first address', () => {
    const c = parseCidr('10.33.48.230/28')!;
    expect(numberToIp(c.first)).toBe('10.33.48.224');
    expect(numberToIp(c.last)).toBe('10.33.48.239');
    expect(numberToIp(defaultGateway(c))).toBe('10.33.48.225');
  });
  it('detects overlap and membership', () => {
    const a = parseCidr('10.33.0.0/16')!;
    const b = parseCidr('10.33.48.224/28')!;
    const c = parseCidr('10.33.48.240/28')!;
    expect(overlaps(a, b)).toBe(true);
    expect(overlaps(b, a)).toBe(true);
    expect(overlaps(b, c)).toBe(false);
    expect(contains(b, ipToNumber('10.33.48.239')!)).toBe(true);
    expect(contains(b, ipToNumber('10.33.48.240')!)).toBe(false);
  });
});
