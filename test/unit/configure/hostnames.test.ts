import { describe, expect, it } from 'vitest';
import { DEFAULT_HOSTNAMES, clusterPrefix, parseHostnamesFile, pickHostnames } from '../../../src/architectures/hostnames.js';
import { hostnameProblem } from '../../../src/inventory/hostname.js';
import { closest, editDistance } from '../../../src/config/suggest.js';

describe('hostnames', () => {
  it('the built-in list: unique valid names', () => {
    expect(new Set(DEFAULT_HOSTNAMES).size).toBe(DEFAULT_HOSTNAMES.length);
    expect(DEFAULT_HOSTNAMES.length).toBeGreaterThanOrEqual(250);
    for (const n of DEFAULT_HOSTNAMES) expect(hostnameProblem(n, false), n).toBeUndefined();
  });

  it('validates like TPA: lower-case letters, digits, inner dashes; dots only off aws', () => {
    expect(hostnameProblem('db-1', false)).toBeUndefined();
    expect(hostnameProblem('-db', false)).toMatch(/not a valid hostname/);
    expect(hostnameProblem('db-', false)).toMatch(/not a valid hostname/);
    expect(hostnameProblem('DB1', false)).toMatch(/upper-case/);
    expect(hostnameProblem('a', false)).toMatch(/too short/);
    expect(hostnameProblem('db1.example.com', false)).toMatch(/dots/);
    expect(hostnameProblem('db1.example.com', true)).toBeUndefined();
    expect(hostnameProblem('x'.repeat(64), true)).toMatch(/longer than 63/);
  });

  it('picks consecutive names from a position derived from the cluster name', () => {
    const a = pickHostnames(5, { clusterName: 'one', clusterPrefixed: false, allowDots: false }).map((e) => e.name);
    expect(pickHostnames(5, { clusterName: 'one', clusterPrefixed: false, allowDots: false }).map((e) => e.name)).toEqual(a);
    const start = DEFAULT_HOSTNAMES.indexOf(a[0]!);
    expect(a).toEqual([0, 1, 2, 3, 4].map((k) => DEFAULT_HOSTNAMES[(start + k) % DEFAULT_HOSTNAMES.length]));
  });

  it('prefixes with the cleaned cluster name', () => {
    expect(clusterPrefix('My.Cluster_1')).toBe('my-cluster-1');
    const names = pickHostnames(2, { clusterName: 'My.Cluster_1', clusterPrefixed: true, allowDots: false });
    for (const e of names) expect(e.name.startsWith('my-cluster-1-')).toBe(true);
  });

  it('reads a hostnames file: comments, blanks, one or two addresses', () => {
    expect(parseHostnamesFile('# x\n\naa 10.0.0.1\nbb\ncc 1.2.3.4 10.0.0.3 # c\n', 'f', true)).toEqual([
      { name: 'aa', ipAddress: '10.0.0.1' },
      { name: 'bb' },
      { name: 'cc', publicIp: '1.2.3.4', privateIp: '10.0.0.3' },
    ]);
    expect(() => parseHostnamesFile('aa 1.2.3.4 1.2.3.5 1.2.3.6\n', 'f', true)).toThrow(/f:1: expected "name \[ip \[ip\]\]", found 4 fields/);
  });
});

describe('did you mean', () => {
  it('counts a swap of neighbours as one edit', () => {
    expect(editDistance('kaftan', 'kaftn')).toBe(1);
    expect(editDistance('version', 'verison')).toBe(1);
    expect(editDistance('abc', 'xyz')).toBe(3);
  });

  it('suggests only plausible typos', () => {
    expect(closest('kaftn', ['kaboom', 'kaftan', 'kaolin'])).toBe('kaftan');
    expect(closest('upstram', ['upstream', 'backup'])).toBe('upstream');
    expect(closest('zebra', ['kaboom', 'kaftan'])).toBeUndefined();
    expect(closest('Name', ['name'])).toBe('name');
  });
});
