/**
 * The cluster's certificate authority and the host certificates it signs,
 * kept in `<cluster-dir>/tls/` (0700): `ca.crt`, `ca.key` (0600) and
 * `hosts/<host>.{crt,key}` (key 0600). The CA is made once and never
 * replaced; a host certificate is reused on every deploy (so a redeploy
 * installs the same bytes and changes nothing) until its names change, it
 * is no longer signed by the CA, or it expires within RENEW_DAYS.
 * Every write is atomic: a crash leaves the old file or the new one.
 */
import { X509Certificate, createPublicKey, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile, stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { M1Error } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import { writeFileAtomic } from '../inventory/localFiles.js';
import { issueCertificate, keyPem, newKey, readKey, type KeyPairPem } from './certificate.js';

export const TLS_DIR = 'tls';
export const CA_DAYS = 3650;
export const HOST_CERT_DAYS = 365;
/** A host certificate this close to its expiry is replaced by deploy. */
export const RENEW_DAYS = 30;
const DAY_MS = 86_400_000;

export interface ClusterCa {
  /** PEM, what hosts get as their CA file. */
  cert: string;
  key: KeyObject;
  commonName: string;
}

export interface TlsOptions {
  /** Check mode: a missing CA or certificate is made in memory only, nothing written. */
  check?: boolean;
  now?: Date;
}

export function tlsDir(clusterDir: string): string {
  return join(clusterDir, TLS_DIR);
}

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

export function hostCertPaths(clusterDir: string, host: string): { cert: string; key: string } {
  if (!HOST_NAME.test(host)) throw new M1Error(`certificate for "${host}": not a host name`, ExitCode.BadInput);
  const dir = join(tlsDir(clusterDir), 'hosts');
  return { cert: join(dir, `${host}.crt`), key: join(dir, `${host}.key`) };
}

async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const st = await stat(path);
  if ((st.mode & 0o777) !== 0o700) await chmod(path, 0o700);
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function daysFrom(now: Date, days: number): Date {
  return new Date(Math.floor(now.getTime() / 1000) * 1000 + days * DAY_MS);
}

/** The cluster's CA, made and stored on first use. */
export async function ensureClusterCa(clusterDir: string, clusterName: string, options: TlsOptions = {}): Promise<ClusterCa> {
  const dir = tlsDir(clusterDir);
  const certPath = join(dir, 'ca.crt');
  const keyPath = join(dir, 'ca.key');
  const [certText, keyText] = await Promise.all([readOptional(certPath), readOptional(keyPath)]);
  if (certText !== undefined && keyText !== undefined) {
    let ca: ClusterCa;
    try {
      const x = new X509Certificate(certText);
      const key = readKey(keyText);
      if (!x.checkPrivateKey(key)) throw new Error('the key does not match the certificate');
      ca = { cert: certText, key, commonName: /CN=([^\n]*)/.exec(x.subject)?.[1] ?? '' };
    } catch (e) {
      throw new M1Error(`${dir}: the cluster CA cannot be read (${(e as Error).message}); restore ca.crt and ca.key from a backup (removing both makes a new CA, which every host certificate then changes to)`, ExitCode.BadInput);
    }
    return ca;
  }
  if (certText !== undefined || keyText !== undefined) {
    throw new M1Error(`${dir}: ${certText === undefined ? 'ca.crt' : 'ca.key'} is missing; restore it from a backup (removing both makes a new CA)`, ExitCode.BadInput);
  }
  const now = options.now ?? new Date();
  const commonName = `m1 cluster CA ${clusterName}`.slice(0, 64);
  const key = newKey();
  const cert = issueCertificate({ commonName, notBefore: daysFrom(now, -1), notAfter: daysFrom(now, CA_DAYS), ca: true }, key, { commonName, key });
  if (!options.check) {
    await ensureDir(dir);
    // The key first, exclusively: two runs cannot both make a CA.
    await writeFileAtomic(keyPath, keyPem(key), { mode: 0o600, exclusive: true });
    await writeFileAtomic(certPath, cert, { mode: 0o644 });
  }
  return { cert, key, commonName };
}

function sanText(names: readonly string[]): string {
  return names.map((n) => (isIP(n) ? `IP Address:${n}` : `DNS:${n}`)).join(', ');
}

/** Why a stored certificate must be replaced, or undefined when it may stay. */
export function renewalReason(cert: X509Certificate, key: KeyObject, ca: ClusterCa, altNames: readonly string[], now: Date): string | undefined {
  const caCert = new X509Certificate(ca.cert);
  if (!cert.checkIssued(caCert) || !cert.verify(createPublicKey(ca.key))) return 'not signed by the cluster CA';
  if (!cert.checkPrivateKey(key)) return 'its key does not match';
  if ((cert.subjectAltName ?? '') !== sanText(altNames)) return 'its names changed';
  if (new Date(cert.validTo).getTime() - now.getTime() < RENEW_DAYS * DAY_MS) return `it expires within ${RENEW_DAYS} days`;
  return undefined;
}

export interface HostCertificate extends KeyPairPem {
  /** Why it was issued on this call; undefined when the stored one was kept. */
  issued?: string;
  notAfter: Date;
}

/** The host's certificate and key, issued (and stored) when none fits. */
export async function ensureHostCertificate(
  clusterDir: string,
  ca: ClusterCa,
  host: string,
  altNames: readonly string[],
  options: TlsOptions = {},
): Promise<HostCertificate> {
  const now = options.now ?? new Date();
  const paths = hostCertPaths(clusterDir, host);
  const [certText, keyText] = await Promise.all([readOptional(paths.cert), readOptional(paths.key)]);
  let issued = 'none stored';
  if (certText !== undefined && keyText !== undefined) {
    try {
      const x = new X509Certificate(certText);
      const reason = renewalReason(x, readKey(keyText), ca, altNames, now);
      if (!reason) return { cert: certText, key: keyText, notAfter: new Date(x.validTo) };
      issued = reason;
    } catch {
      issued = 'the stored one cannot be read';
    }
  }
  const key = newKey();
  const notAfter = daysFrom(now, HOST_CERT_DAYS);
  const cert = issueCertificate({ commonName: host, altNames, notBefore: daysFrom(now, -1), notAfter }, key, { commonName: ca.commonName, key: ca.key });
  const pemKey = keyPem(key);
  if (!options.check) {
    await ensureDir(tlsDir(clusterDir));
    await ensureDir(join(tlsDir(clusterDir), 'hosts'));
    await writeFileAtomic(paths.key, pemKey, { mode: 0o600 });
    await writeFileAtomic(paths.cert, cert, { mode: 0o644 });
  }
  return { cert, key: pemKey, notAfter, issued };
}

export interface StoredCertificate {
  host: string;
  notAfter: Date;
  /** Days left, rounded down. */
  daysLeft: number;
}

/** Expiry of the CA and of a stored host certificate, for status. */
export async function storedCertificateExpiry(clusterDir: string, host: string, now = new Date()): Promise<StoredCertificate | undefined> {
  const text = await readOptional(host === 'ca' ? join(tlsDir(clusterDir), 'ca.crt') : hostCertPaths(clusterDir, host).cert);
  if (text === undefined) return undefined;
  const notAfter = new Date(new X509Certificate(text).validTo);
  return { host, notAfter, daysLeft: Math.floor((notAfter.getTime() - now.getTime()) / DAY_MS) };
}
