import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { ownAddressCidr, parseSshFrom, sshSource } from './sshFrom.js';

describe('--ssh-from', () => {
  it('takes an address as /32 and a CIDR as given', () => {
    expect(parseSshFrom('203.0.113.7')).toBe('203.0.113.7/32');
    expect(parseSshFrom(' 198.51.100.0/24 ')).toBe('198.51.100.0/24');
  });

  it('refuses what is not an IPv4 address or CIDR, and the whole internet, naming the flag', () => {
    for (const bad of ['example.com', '300.1.1.1', '10.0.0.1/33', '::1']) expect(() => parseSshFrom(bad)).toThrow(/^--ssh-from .*: not an IPv4 address or CIDR/);
    expect(() => parseSshFrom('0.0.0.0/0')).toThrow(/opens SSH to the whole internet/);
  });
});

describe('sshSource', () => {
  it('uses --ssh-from as given, with nothing to say', () => {
    expect(sshSource('203.0.113.7', () => '10.1.2.3/32')).toEqual({ cidr: '203.0.113.7/32' });
  });

  it("without it, this machine's own address, and says so with the way to change it", () => {
    const s = sshSource(undefined, () => '10.1.2.3/32');
    expect(s.cidr).toBe('10.1.2.3/32');
    expect(s.note).toMatch(/from 10\.1\.2\.3\/32, this machine's own address; .*--ssh-from/);
  });

  it('a machine with no IPv4 address: a usage error asking for --ssh-from', () => {
    expect(() => sshSource(undefined, () => undefined)).toThrow(UsageError);
  });
});

describe('ownAddressCidr', () => {
  it('skips loopback and IPv6, takes the first interface by name', () => {
    const lo = { address: '127.0.0.1', family: 'IPv4', internal: true } as const;
    const v6 = { address: 'fe80::1', family: 'IPv6', internal: false } as const;
    const eth = (address: string) => ({ address, family: 'IPv4', internal: false }) as const;
    const ifs = { lo: [lo], eth1: [eth('192.0.2.9')], eth0: [v6, eth('10.9.8.7')] } as unknown as Parameters<typeof ownAddressCidr>[0];
    expect(ownAddressCidr(ifs)).toBe('10.9.8.7/32');
    expect(ownAddressCidr({ lo: [lo] } as unknown as Parameters<typeof ownAddressCidr>[0])).toBeUndefined();
  });
});
