import { describe, expect, it } from 'vitest';
import { contains, defaultGateway, formatIpv4, overlaps, parseCidr, parseIpv4 } from './cidr.js';

describe('cidr', () => {
  it('parses addresses and rejects garbage', () => {
    expect(parseIpv4('10.33.48.226')).toBe(((10 * 256 + 33) * 256 + 48) * 256 + 226);
    expect(formatIpv4(parseIpv4('192.168.1.20')!)).toBe('192.168.1.20');
    expect(parseIpv4('10.0.0.256')).toBeUndefined();
    expect(parseIpv4('10.0.0')).toBeUndefined();
    expect(parseCidr('fd00::/64')).toBeUndefined();
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
  });
  it('normalises a block to its first address', () => {
    const c = parseCidr('10.33.48.230/28')!;
    expect(formatIpv4(c.first)).toBe('10.33.48.224');
    expect(formatIpv4(c.last)).toBe('10.33.48.239');
    expect(formatIpv4(defaultGateway(c))).toBe('10.33.48.225');
  });
  it('detects overlap and membership', () => {
    const a = parseCidr('10.33.0.0/16')!;
    const b = parseCidr('10.33.48.224/28')!;
    const c = parseCidr('10.33.48.240/28')!;
    expect(overlaps(a, b)).toBe(true);
    expect(overlaps(b, a)).toBe(true);
    expect(overlaps(b, c)).toBe(false);
    expect(contains(b, parseIpv4('10.33.48.239')!)).toBe(true);
    expect(contains(b, parseIpv4('10.33.48.240')!)).toBe(false);
  });
});
