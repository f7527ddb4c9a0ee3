import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { describe, expect, it } from 'vitest';
import { blobAlgorithm, fingerprint, generateKeyPair, keyLabel, parsePublicKey, publicKeyOf, showKey } from './keys.js';
import { scratchDir } from '../../test/support/scratch.js';

describe('ssh keys', () => {
  for (const type of ['ed25519', 'ecdsa'] as const) {
    it(`generates ${type} pairs that OpenSSH reads, with ssh-keygen's fingerprint`, () => {
      const dir = scratchDir('m1-keys-');
      const pair = generateKeyPair(type, 'm1-test');
      writeFileSync(join(dir, 'k'), pair.privateKey, { mode: 0o600 });
      writeFileSync(join(dir, 'k.pub'), pair.publicKey + '\n');
      // ssh-keygen -y derives the public key from the private one: both halves agree.
      const derived = execFileSync('ssh-keygen', ['-y', '-f', join(dir, 'k')]).toString().trim();
      const pub = parsePublicKey(pair.publicKey)!;
      expect(parsePublicKey(derived)).toEqual(pub);
      const listed = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(dir, 'k.pub')]).toString();
      expect(listed).toContain(fingerprint(pub));
      expect(listed).toContain(`(${keyLabel(pub.algorithm)})`);
      expect(blobAlgorithm(Buffer.from(pub.base64, 'base64'))).toBe(pub.algorithm);
      expect(publicKeyOf(Buffer.from(pub.base64, 'base64'))).toEqual(pub);
      // ssh-keygen -l prints `<bits> SHA256:... <comment> (ED25519)`: showKey is its label and fingerprint.
      const [label, fp] = showKey(pub).split(' ');
      expect(listed).toMatch(new RegExp(`^\\d+ ${fp!.replace(/[+/]/g, '\\$&')} m1-test \\(${label}\\)$`, 'm'));
    });
  }
  it('every generated ed25519 pair is readable (ssh2 alone gets about 1 in 300 wrong)', () => {
    const unreadable = Array.from({ length: 1500 }, () => generateKeyPair('ed25519', 'm1-x')).filter(
      (p) => ssh2.utils.parseKey(p.privateKey) instanceof Error || Buffer.from(parsePublicKey(p.publicKey)!.base64, 'base64').length !== 51,
    );
    expect(unreadable).toEqual([]);
  });
  it('rejects a line that is not a public key', () => {
    expect(parsePublicKey('hello')).toBeUndefined();
    expect(parsePublicKey('ssh-ed25519 not*base64')).toBeUndefined();
  });
});
