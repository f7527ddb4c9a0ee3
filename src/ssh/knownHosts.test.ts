import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobAlgorithm, fingerprint } from './keys.js';
import { hasExactly, hostField, hostKeyAlgorithms, keysFor, matchHostKey, parseKnownHosts, setHostKeys, verifyHostKey } from './knownHosts.js';

function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}
const ed = blob('ssh-ed25519', 'key-one');
const ed2 = blob('ssh-ed25519', 'key-two');
const rsa = blob('ssh-rsa', 'rsa-key');
const b64 = (b: Buffer) => b.toString('base64');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const text = [
  '# comment',
  '',
  `10.0.0.1,db1 ssh-ed25519 ${b64(ed)} root@db1`,
  `[10.0.0.2]:2222 ssh-rsa ${b64(rsa)}`,
  `${hashed('10.0.0.3')} ssh-ed25519 ${b64(ed2)}`,
  `@revoked 10.0.0.4 ssh-ed25519 ${b64(ed)}`,
  `@cert-authority *.example ssh-ed25519 ${b64(ed)}`,
  `10.0.0.*,!10.0.0.5 ssh-rsa ${b64(rsa)}`,
].join('\n');
const entries = parseKnownHosts(text);
const only = (keys: { base64: string }[]) => keys.map((k) => k.base64);

describe('known_hosts', () => {
  it('writes [host]:port for ports other than 22', () => {
    expect(hostField('10.0.0.2')).toBe('10.0.0.2');
    expect(hostField('10.0.0.2', 2222)).toBe('[10.0.0.2]:2222');
  });

  it('finds plain, aliased, bracketed-port and hashed entries; negated patterns exclude', () => {
    expect(only(keysFor(entries, '10.0.0.1', 22))).toEqual([b64(ed)]);
    expect(only(keysFor(entries, 'db1', 22))).toEqual([b64(ed)]);
    expect(only(keysFor(entries, '10.0.0.2', 2222))).toEqual([b64(rsa)]);
    expect(keysFor(entries, '10.0.0.2', 22)).toEqual([]);
    expect(only(keysFor(entries, '10.0.0.3', 22))).toEqual([b64(ed2)]);
    // "10.0.0.*" is a wildcard OpenSSH would match; m1 matches names exactly, so only the negation counts here.
    expect(keysFor(entries, '10.0.0.5', 22)).toEqual([]);
    expect(keysFor(entries, '10.0.0.4', 22)).toEqual([{ algorithm: 'ssh-ed25519', base64: b64(ed), revoked: true }]);
  });

  it('accepts the known key and refuses unknown, changed and revoked ones with one line', () => {
    expect(verifyHostKey(keysFor(entries, '10.0.0.1', 22), ed, 'kh', '10.0.0.1', 22)).toBeUndefined();
    const changed = verifyHostKey(keysFor(entries, '10.0.0.1', 22), ed2, 'kh', '10.0.0.1', 22);
    expect(changed).toMatch(/does not match kh .*ssh-ed25519 SHA256:/);
    expect(changed).not.toContain('\n');
    expect(verifyHostKey(keysFor(entries, '10.9.9.9', 22), ed, 'kh', '10.9.9.9', 22)).toMatch(/unknown .*no entry in kh/);
    expect(verifyHostKey(keysFor(entries, '10.0.0.4', 22), ed, 'kh', '10.0.0.4', 22)).toMatch(/@revoked/);
    expect(matchHostKey(keysFor(entries, '10.0.0.4', 22), ed2)).toBe('changed');
    expect(matchHostKey([], ed)).toBe('unknown');
  });

  it('offers only the algorithms of known, unrevoked key types', () => {
    expect(hostKeyAlgorithms(keysFor(entries, '10.0.0.2', 2222))).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms(keysFor(entries, '10.0.0.1', 22))).toEqual(['ssh-ed25519']);
    expect(hostKeyAlgorithms(keysFor(entries, '10.0.0.4', 22))).toEqual([]);
  });

  it('reads key types and fingerprints like OpenSSH', () => {
    expect(blobAlgorithm(rsa)).toBe('ssh-rsa');
    expect(blobAlgorithm(Buffer.alloc(2))).toBe('unknown');
    expect(fingerprint(ed)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('replaces one host (plain or hashed lines) and keeps every other line', () => {
    const ED = { algorithm: 'ssh-ed25519', base64: b64(ed) };
    const EC = { algorithm: 'ecdsa-sha2-nistp256', base64: 'AAAAE2VjZHNh' };
    const before = `# mine\n10.0.0.1 ssh-rsa OLD\n${hashed('10.0.0.1')} ssh-rsa OLDER\n10.0.0.2 ssh-rsa KEEP\n@revoked 10.0.0.1 ssh-rsa BAD\n`;
    const after = setHostKeys(before, '10.0.0.1', 22, [ED, EC]);
    expect(after).toBe(`# mine\n10.0.0.2 ssh-rsa KEEP\n@revoked 10.0.0.1 ssh-rsa BAD\n10.0.0.1 ${ED.algorithm} ${ED.base64}\n10.0.0.1 ${EC.algorithm} ${EC.base64}\n`);
    expect(setHostKeys('', 'h', 2222, [ED])).toBe(`[h]:2222 ${ED.algorithm} ${ED.base64}\n`);
    const parsed = parseKnownHosts(after);
    expect(hasExactly(parsed, '10.0.0.1', 22, [EC, ED])).toBe(true);
    expect(hasExactly(parsed, '10.0.0.1', 22, [ED])).toBe(false);
    expect(hasExactly(parsed, '10.0.0.2', 22, [])).toBe(false);
  });
});
