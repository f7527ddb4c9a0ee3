import { describe, expect, it } from 'vitest';
import { hostPattern, keysFor, parseKnownHosts, setHostKeys } from './knownHosts.js';

const ED = { algorithm: 'ssh-ed25519', base64: 'AAAAC3NzaC1lZDI1NTE5AAAAIEkX' };
const EC = { algorithm: 'ecdsa-sha2-nistp256', base64: 'AAAAE2VjZHNh' };

describe('known_hosts', () => {
  it('writes [host]:port for ports other than 22', () => {
    expect(hostPattern('10.0.0.2')).toBe('10.0.0.2');
    expect(hostPattern('10.0.0.2', 2222)).toBe('[10.0.0.2]:2222');
  });
  it('parses plain entries with several names, skipping comments, markers and hashes', () => {
    const entries = parseKnownHosts(
      '# comment\n10.0.0.2,alpha ssh-ed25519 AAAA1 c\n@revoked 10.0.0.3 ssh-rsa AAAA2\n|1|abc|def ssh-rsa AAAA3\n\n',
    );
    expect(entries).toEqual([
      { host: '10.0.0.2', algorithm: 'ssh-ed25519', base64: 'AAAA1' },
      { host: 'alpha', algorithm: 'ssh-ed25519', base64: 'AAAA1' },
    ]);
    expect(keysFor(entries, 'alpha')).toHaveLength(1);
    expect(keysFor(entries, '10.0.0.9')).toHaveLength(0);
  });
  it('replaces one host and keeps every other line', () => {
    const before = '# mine\n10.0.0.1 ssh-rsa OLD\n10.0.0.2 ssh-rsa KEEP\n';
    const after = setHostKeys(before, '10.0.0.1', [ED, EC]);
    expect(after).toBe(`# mine\n10.0.0.2 ssh-rsa KEEP\n10.0.0.1 ${ED.algorithm} ${ED.base64}\n10.0.0.1 ${EC.algorithm} ${EC.base64}\n`);
    expect(setHostKeys('', '[h]:2222', [ED])).toBe(`[h]:2222 ${ED.algorithm} ${ED.base64}\n`);
  });
});
