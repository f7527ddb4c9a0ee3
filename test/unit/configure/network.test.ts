import { describe, expect, it } from 'vitest';
import {
  chooseSubnets,
  formatCidr,
  gatewayOf,
  hostAddresses,
  hostCapacity,
  ipToNumber,
  nameHash,
  numberToIp,
  parseNetworkOption,
  subnetPrefixFor,
} from '../../../src/inventory/network.js';
import { UsageError } from '../../../src/errors.js';

describe('network arithmetic', () => {
  it('converts addresses both ways', () => {
    for (const ip of ['0.0.0.0', '10.33.48.224', '255.255.255.255', '192.168.56.11']) expect(numberToIp(ipToNumber(ip)!)).toBe(ip);
    expect(ipToNumber('10.33.0.256')).toBeUndefined();
    expect(ipToNumber('10.33.0')).toBeUndefined();
  });

  it('sizes like TPA: /28 up to 13 hosts, /27 up to 29, ... /24 up to 253', () => {
    expect([1, 13, 14, 29, 30, 61, 62, 125, 126, 253].map(subnetPrefixFor)).toEqual([28, 28, 27, 27, 26, 26, 25, 25, 24, 24]);
    expect(subnetPrefixFor(254)).toBeUndefined();
    expect(hostCapacity(28)).toBe(13);
  });

  it('picks a stable subnet per cluster name inside the network; first one without shuffling', () => {
    const net = parseNetworkOption('--network', '10.33.0.0/16');
    const [a] = chooseSubnets(net, 28, 'alpha', 1, true);
    expect(chooseSubnets(net, 28, 'alpha', 1, true)[0]).toEqual(a);
    expect(a!.base % 16).toBe(0);
    expect(a!.base).toBe(net.base + (nameHash('alpha') % 4096) * 16);
    expect(formatCidr(chooseSubnets(net, 28, 'alpha', 1, false)[0]!)).toBe('10.33.0.0/28');
    // Consecutive subnets, wrapping at the end of the network.
    const small = parseNetworkOption('--network', '10.0.0.0/26');
    const three = chooseSubnets(small, 28, 'x', 3, true).map(formatCidr);
    expect(new Set(three).size).toBe(3);
    for (const s of three) expect(s).toMatch(/^10\.0\.0\.(0|16|32|48)\/28$/);
  });

  it('never hands out the network, gateway or broadcast address', () => {
    const subnet = { base: ipToNumber('10.33.48.224')!, prefix: 28 };
    expect(gatewayOf(subnet)).toBe('10.33.48.225');
    const all = hostAddresses(subnet, 13);
    expect(all[0]).toBe('10.33.48.226');
    expect(all.at(-1)).toBe('10.33.48.238');
    expect(() => hostAddresses(subnet, 14)).toThrow(UsageError);
  });

  it('rejects host addresses and non-networks', () => {
    expect(() => parseNetworkOption('--network', '10.33.1.0/16')).toThrow(/host address, not a network address; use 10\.33\.0\.0\/16/);
    expect(() => parseNetworkOption('--network', 'ten/8')).toThrow(UsageError);
    expect(() => chooseSubnets(parseNetworkOption('--network', '10.0.0.0/28'), 28, 'x', 2, true)).toThrow(/cannot contain 2 \/28 subnets/);
  });
});
