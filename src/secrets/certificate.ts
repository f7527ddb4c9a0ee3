/**
 * X.509 v3 certificates issued in-process (ECDSA P-256, SHA-256): the cluster
 * CA's own, self-signed, and each host's, signed by it. A host certificate
 * names the host in subjectAltName (DNS names and IP addresses) and serves
 * both ends of TLS (serverAuth and clientAuth: etcd peers are both).
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, boolean, explicit, implicit, octetString, oid, sequence, set, smallInteger, time, unsignedInteger, utf8String } from './der.js';

const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';
const SUBJECT_KEY_ID = '2.5.29.14';
const KEY_USAGE = '2.5.29.15';
const SUBJECT_ALT_NAME = '2.5.29.17';
const BASIC_CONSTRAINTS = '2.5.29.19';
const AUTHORITY_KEY_ID = '2.5.29.35';
const EXT_KEY_USAGE = '2.5.29.37';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

export interface KeyPairPem {
  /** PKCS#8 PEM, unencrypted. */
  key: string;
  /** The certificate, PEM. */
  cert: string;
}

export interface Issuer {
  commonName: string;
  key: KeyObject;
}

export interface CertificateRequest {
  commonName: string;
  /** DNS names and IP addresses, in the order given; the common name is not added by itself. */
  altNames?: readonly string[];
  notBefore: Date;
  notAfter: Date;
  /** True for the CA: basicConstraints CA and keyCertSign. */
  ca?: boolean;
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid(COMMON_NAME), utf8String(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? sequence(oid(id), boolean(true), octetString(value)) : sequence(oid(id), octetString(value));
}

/** The 4 or 16 bytes of an IP address. */
export function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  const [head = '', tail] = ip.split('::');
  const groups = (s: string) => (s ? s.split(':') : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

function altNames(names: readonly string[]): Buffer {
  return sequence(...names.map((n) => (isIP(n) ? implicit(7, ipBytes(n)) : implicit(2, Buffer.from(n, 'ascii')))));
}

/** keyUsage bits, first bit the most significant (digitalSignature = bit 0). */
function keyUsage(bits: number[]): Buffer {
  let byte = 0;
  for (const b of bits) byte |= 0x80 >> b;
  let unused = 0;
  while (unused < 7 && (byte & (1 << unused)) === 0) unused++;
  return Buffer.from([0x03, 0x02, unused, byte]);
}

/** RFC 5280's key identifier: SHA-1 of the subjectPublicKey bits. */
function keyId(publicKey: KeyObject): Buffer {
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // For a P-256 key the BIT STRING (65 bytes + unused-bits byte) closes the SPKI.
  return createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
}

/** Issues a certificate for `subjectKey`, signed by `issuer` (itself for a CA). */
export function issueCertificate(req: CertificateRequest, subjectKey: KeyObject, issuer: Issuer): string {
  const subjectPublic = createPublicKey(subjectKey);
  const issuerPublic = createPublicKey(issuer.key);
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01; // positive, 16 bytes, never zero
  const algorithm = sequence(oid(ECDSA_WITH_SHA256));
  const extensions = req.ca
    ? [
        extension(BASIC_CONSTRAINTS, true, sequence(boolean(true))),
        extension(KEY_USAGE, true, keyUsage([5, 6])), // keyCertSign, cRLSign
        extension(SUBJECT_KEY_ID, false, octetString(keyId(subjectPublic))),
      ]
    : [
        extension(BASIC_CONSTRAINTS, true, sequence()),
        extension(KEY_USAGE, true, keyUsage([0, 4])), // digitalSignature, keyAgreement (ECDHE/ECDH)
        extension(EXT_KEY_USAGE, false, sequence(oid(SERVER_AUTH), oid(CLIENT_AUTH))),
        extension(SUBJECT_ALT_NAME, false, altNames(req.altNames ?? [])),
        extension(SUBJECT_KEY_ID, false, octetString(keyId(subjectPublic))),
        extension(AUTHORITY_KEY_ID, false, sequence(implicit(0, keyId(issuerPublic)))),
      ];
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(serial),
    algorithm,
    name(issuer.commonName),
    sequence(time(req.notBefore), time(req.notAfter)),
    name(req.commonName),
    subjectPublic.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  const signature = sign('sha256', tbs, { key: issuer.key, dsaEncoding: 'der' });
  const der = sequence(tbs, algorithm, bitString(signature));
  return pem('CERTIFICATE', der);
}

export function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/** A new P-256 private key. */
export function newKey(): KeyObject {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey;
}

export function keyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }) as string;
}

export function readKey(pemText: string): KeyObject {
  return createPrivateKey(pemText);
}
