import { createHmac, createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseScramVerifier, scramKeys, scramVerifier, scramVerifierReusing, scramVerifies } from './scram.js';

// Computed by a real PostgreSQL 15 (CREATE ROLE vec PASSWORD '...' with
// password_encryption = scram-sha-256), read back from pg_authid.
const PG15_PASSWORD = 'correct horse battery staple';
const PG15_VERIFIER =
  'SCRAM-SHA-256$4096:eyxshTF/YHZitJnItGTVhQ==$oIfqbWB4zNjOROdnL5wiy/Re61y2LM4ppqz51UM3L7I=:GC0UJuC7F7+PJGDCN9HTE8wb+G15SZdsK25qSq4qxWA=';

describe('scramVerifier', () => {
  it('reproduces the verifier PostgreSQL stored, given its salt and iterations', () => {
    const parts = parseScramVerifier(PG15_VERIFIER)!;
    expect(parts.iterations).toBe(4096);
    expect(parts.salt.length).toBe(16);
    expect(scramVerifier(PG15_PASSWORD, { salt: parts.salt, iterations: parts.iterations })).toBe(PG15_VERIFIER);
  });

  it('matches the RFC 7677 exchange: the server signature and the client proof check out', () => {
    // RFC 7677 section 3: user "user", password "pencil".
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const parts = parseScramVerifier(scramVerifier('pencil', { salt, iterations: 4096 }))!;
    const clientFirstBare = 'n=user,r=rOprNGfwEbeRWgbNEkqO';
    const serverFirst = 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096';
    const clientFinalNoProof = 'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const authMessage = `${clientFirstBare},${serverFirst},${clientFinalNoProof}`;
    const serverSignature = createHmac('sha256', parts.serverKey).update(authMessage).digest('base64');
    expect(serverSignature).toBe('6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=');
    // What a server does with the client's proof: recover ClientKey, hash it, compare with StoredKey.
    const proof = Buffer.from('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=', 'base64');
    const clientSignature = createHmac('sha256', parts.storedKey).update(authMessage).digest();
    const clientKey = Buffer.from(proof.map((b, i) => b ^ clientSignature[i]!));
    expect(createHash('sha256').update(clientKey).digest().equals(parts.storedKey)).toBe(true);
  });

  it('uses a fresh 16-byte salt and 4096 iterations by default', () => {
    const a = parseScramVerifier(scramVerifier('x'.repeat(32)))!;
    const b = parseScramVerifier(scramVerifier('x'.repeat(32)))!;
    expect(a.iterations).toBe(4096);
    expect(a.salt.length).toBe(16);
    expect(a.salt.equals(b.salt)).toBe(false);
  });

  it('refuses non-ASCII passwords instead of guessing SASLprep', () => {
    expect(() => scramVerifier('pässword')).toThrow(/ASCII/);
  });
});

describe('scramVerifierReusing', () => {
  it('returns the stored verifier unchanged for the same password', () => {
    expect(scramVerifierReusing(PG15_PASSWORD, PG15_VERIFIER)).toBe(PG15_VERIFIER);
  });

  it('keeps salt and iterations but changes the keys for another password', () => {
    const v = scramVerifierReusing('another password', PG15_VERIFIER);
    expect(v).not.toBe(PG15_VERIFIER);
    const before = parseScramVerifier(PG15_VERIFIER)!;
    const after = parseScramVerifier(v)!;
    expect(after.salt.equals(before.salt)).toBe(true);
    expect(after.iterations).toBe(before.iterations);
    expect(scramVerifies('another password', v)).toBe(true);
  });

  it('makes a fresh verifier when the stored value is md5, empty or garbage', () => {
    for (const existing of ['md5' + 'a'.repeat(32), '', null, undefined, 'SCRAM-SHA-256$x:y$z:w']) {
      const v = scramVerifierReusing('pw', existing);
      expect(scramVerifies('pw', v)).toBe(true);
    }
  });
});

describe('scramVerifies', () => {
  it('accepts the right password and rejects a wrong one', () => {
    expect(scramVerifies(PG15_PASSWORD, PG15_VERIFIER)).toBe(true);
    expect(scramVerifies(PG15_PASSWORD + '!', PG15_VERIFIER)).toBe(false);
  });

  it('exposes keys consistent with the verifier', () => {
    const parts = parseScramVerifier(PG15_VERIFIER)!;
    const keys = scramKeys(PG15_PASSWORD, parts.salt, parts.iterations);
    expect(keys.storedKey.equals(parts.storedKey)).toBe(true);
    expect(keys.serverKey.equals(parts.serverKey)).toBe(true);
  });
});
