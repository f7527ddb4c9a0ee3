import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { crashUnitsCommand, healPartitionCommand, healUnitsCommand, iptablesCommands, ipRouteCommands, nftablesCommands, partitionCommand, partitionMethod } from './faults.js';

const ADDR = ['10.0.0.2', '10.0.0.3', '10.0.0.2'];

describe('drill faults', () => {
  it('drops both directions for each other host, once per address', () => {
    const nft = nftablesCommands(ADDR).join('\n');
    expect(nft).toContain('ip saddr { 10.0.0.2, 10.0.0.3 } drop');
    expect(nft).toContain('ip daddr { 10.0.0.2, 10.0.0.3 } drop');
    expect(nft).toContain('hook input');
    expect(nft).toContain('hook output');
    const ipt = iptablesCommands(ADDR);
    expect(ipt.filter((c) => c.includes('-s 10.0.0.2 -j DROP'))).toHaveLength(1);
    expect(ipt.filter((c) => c.includes('-d 10.0.0.3 -j DROP'))).toHaveLength(1);
    expect(ipt.at(-2)).toBe('iptables -I INPUT -j M1_DRILL');
    expect(ipRouteCommands(ADDR)).toEqual(['ip route replace blackhole 10.0.0.2/32', 'ip route replace blackhole 10.0.0.3/32']);
  });

  it('refuses anything but IPv4 addresses (they go into rules) and an empty list', () => {
    expect(() => nftablesCommands(['10.0.0.2; reboot'])).toThrow(/not an IPv4 address/);
    expect(() => ipRouteCommands(['db.example'])).toThrow(/not an IPv4 address/);
    expect(() => partitionCommand([])).toThrow(/no address/);
  });

  it('is valid shell that names its method; the heal undoes every method', () => {
    for (const cmd of [partitionCommand(ADDR), healPartitionCommand(ADDR), crashUnitsCommand(['postgresql@15-main', 'repmgrd']), healUnitsCommand(['pgbouncer'])]) {
      execFileSync('sh', ['-n', '-c', cmd]);
    }
    const heal = healPartitionCommand(ADDR);
    expect(heal).toContain('nft delete table inet m1_drill');
    expect(heal).toContain('iptables -X M1_DRILL');
    expect(heal).toContain('ip route del blackhole 10.0.0.3/32');
    expect(partitionMethod('x\nm1:method=ip-route\n')).toBe('ip-route');
    expect(partitionMethod('')).toBeUndefined();
  });

  it('masks the units before killing them, so nothing restarts them until healed', () => {
    const c = crashUnitsCommand(['postgresql@15-main', 'repmgrd']);
    expect(c.indexOf('mask --runtime')).toBeLessThan(c.indexOf('kill'));
    expect(c).toContain('--signal=SIGKILL');
    expect(healUnitsCommand(['pgbouncer'])).toContain('unmask --runtime');
  });
});
