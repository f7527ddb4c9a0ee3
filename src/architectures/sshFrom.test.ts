import { describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { ownAddressCidr, parseSshFrom, sshSource } from './sshFrom.js';

describe('--ssh-from', () => {
  it('takes an address as /32 and a CIDR as given', () => {
    expect(parseSshFrom('203.0.113.7')).toBe('203.0.113.7/32');
    expect(parseSshFrom(' 198.51.100.0/24 ')).toBe('198.51.100.0/24');
    // host bits cleared, as AWS stores it (else every provision would see a changed rule)
    expect(parseSshFrom('198.51.100.7/24')).toBe('198.51.100.0/24');
    expect(parseSshFrom('10.1.2.3/9')).toBe('10.0.0.0/9');
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

  it("without it, this machine's own address, and says so with the way to change it (a private one: only from inside the VPC)", () => {
    const s = sshSource(undefined, () => '203.0.113.9/32');
    expect(s.cidr).toBe('203.0.113.9/32');
    expect(s.note).toMatch(/from 203\.0\.113\.9\/32, this machine's own address; .*--ssh-from/);
    for (const p of ['10.1.2.3/32', '172.20.0.1/32', '192.168.1.5/32', '100.64.3.2/32']) {
      expect(sshSource(undefined, () => p).note).toMatch(/a private one: it works from inside the VPC .* --ssh-from/);
    }
    expect(sshSource(undefined, () => '172.32.0.1/32').note).not.toMatch(/private/);
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
    // container bridges and link-local addresses are never what a cloud sees
    const bridged = { 'br-1a2b': [eth('172.18.0.1')], docker0: [eth('172.17.0.1')], eno1: [eth('169.254.3.4'), eth('198.51.100.20')] } as unknown as Parameters<typeof ownAddressCidr>[0];
    expect(ownAddressCidr(bridged)).toBe('198.51.100.20/32');
    expect(ownAddressCidr({ lo: [lo] } as unknown as Parameters<typeof ownAddressCidr>[0])).toBeUndefined();
  });
});
