import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { blobType, fingerprint, hostKeyAlgorithms, keysFor, parseKnownHosts, verifyHostKey } from './knownHosts.js';

function blob(type: string, body: string): Buffer {
  const t = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(t.length);
  return Buffer.concat([len, t, Buffer.from(body)]);
}
const ed = blob('ssh-ed25519', 'key-one');
const ed2 = blob('ssh-ed25519', 'key-two');
const rsa = blob('ssh-rsa', 'rsa-key');

function hashed(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

const text = [
  '# comment',
  '',
  `10.0.0.1,db1 ssh-ed25519 ${ed.toString('base64')} root@db1`,
  `[10.0.0.2]:2222 ssh-rsa ${rsa.toString('base64')}`,
  `${hashed('10.0.0.3')} ssh-ed25519 ${ed2.toString('base64')}`,
  `@revoked 10.0.0.4 ssh-ed25519 ${ed.toString('base64')}`,
  `@cert-authority *.example ssh-ed25519 ${ed.toString('base64')}`,
].join('\n');
const entries = parseKnownHosts(text);

describe('known_hosts', () => {
  it('finds plain, aliased, bracketed-port and hashed entries', () => {
    expect(keysFor(entries, '10.0.0.1', 22).map((k) => k.blob)).toEqual([ed]);
    expect(keysFor(entries, 'db1', 22).map((k) => k.blob)).toEqual([ed]);
    expect(keysFor(entries, '10.0.0.2', 2222).map((k) => k.blob)).toEqual([rsa]);
    expect(keysFor(entries, '10.0.0.2', 22)).toEqual([]);
    expect(keysFor(entries, '10.0.0.3', 22).map((k) => k.blob)).toEqual([ed2]);
  });
  it('accepts the known key and refuses unknown, changed and revoked ones with one line', () => {
    expect(verifyHostKey(keysFor(entries, '10.0.0.1', 22), ed, 'kh', '10.0.0.1', 22)).toBeUndefined();
    const changed = verifyHostKey(keysFor(entries, '10.0.0.1', 22), ed2, 'kh', '10.0.0.1', 22);
    expect(changed).toMatch(/does not match kh .*ssh-ed25519 SHA256:/);
    expect(verifyHostKey(keysFor(entries, '10.9.9.9', 22), ed, 'kh', '10.9.9.9', 22)).toMatch(/unknown .*no entry in kh/);
    expect(verifyHostKey(keysFor(entries, '10.0.0.4', 22), ed, 'kh', '10.0.0.4', 22)).toMatch(/@revoked/);
    for (const m of [changed]) expect(m).not.toContain('\n');
  });
  it('offers only the algorithms of known key types', () => {
    expect(hostKeyAlgorithms(keysFor(entries, '10.0.0.2', 2222))).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(hostKeyAlgorithms(keysFor(entries, '10.0.0.1', 22))).toEqual(['ssh-ed25519']);
  });
  it('reads key types and fingerprints like OpenSSH', () => {
    expect(blobType(rsa)).toBe('ssh-rsa');
    expect(fingerprint(ed)).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });
});
