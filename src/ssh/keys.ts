/**
 * SSH public keys as OpenSSH writes them, shared by provision (which makes
 * and records keys) and the engine (which checks them): key pairs generated
 * in-process (no ssh-keygen needed), the SHA256 fingerprints OpenSSH prints.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader does not see `utils` as a named export.
const { utils } = ssh2;

export type KeyType = 'ed25519' | 'ecdsa';

export interface KeyPair {
  /** OpenSSH private key (PEM-like text), unencrypted. */
  privateKey: string;
  /** One line: `<algorithm> <base64> <comment>`. */
  publicKey: string;
}

export function generateKeyPair(type: KeyType, comment: string): KeyPair {
  // ssh2 drops the leading zero byte of an ed25519 key (about 1 pair in 300):
  // neither it nor OpenSSH can read that key afterwards. Draw again.
  for (let attempt = 0; attempt < 20; attempt++) {
    const pair =
      type === 'ecdsa'
        ? utils.generateKeyPairSync('ecdsa', { bits: 256, comment })
        : utils.generateKeyPairSync('ed25519', { comment });
    if (!(utils.parseKey(pair.private) instanceof Error)) return { privateKey: pair.private, publicKey: pair.public.trim() };
  }
  throw new Error(`could not generate a readable ${type} key pair`);
}

export interface PublicKey {
  /** ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa... */
  algorithm: string;
  /** Base64 of the key blob (what the server sends). */
  base64: string;
}

/** Parses `<algorithm> <base64> [comment]`; undefined when it is not one. */
export function parsePublicKey(line: string): PublicKey | undefined {
  const [algorithm, base64] = line.trim().split(/\s+/);
  if (!algorithm || !base64 || !/^[A-Za-z0-9+/]+=*$/.test(base64)) return undefined;
  return { algorithm, base64 };
}

/** A key blob as a server presents it, as a PublicKey. */
export function publicKeyOf(blob: Buffer): PublicKey {
  return { algorithm: blobAlgorithm(blob), base64: blob.toString('base64') };
}

/** `SHA256:<unpadded base64>` of the key blob, as `ssh-keygen -l` prints it. */
export function fingerprint(key: PublicKey | Buffer): string {
  const blob = Buffer.isBuffer(key) ? key : Buffer.from(key.base64, 'base64');
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The algorithm name a key blob carries in its first field. */
export function blobAlgorithm(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  if (4 + len > blob.length) return 'unknown';
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Short label for a key algorithm, as ssh-keygen -l shows it (ED25519, ECDSA, RSA). */
export function keyLabel(algorithm: string): string {
  if (algorithm === 'ssh-ed25519') return 'ED25519';
  if (algorithm.startsWith('ecdsa-')) return 'ECDSA';
  if (algorithm === 'ssh-rsa') return 'RSA';
  return algorithm;
}

/** `ED25519 SHA256:...`: how a key is shown to a person. */
export function showKey(key: PublicKey): string {
  return `${keyLabel(key.algorithm)} ${fingerprint(key)}`;
}
