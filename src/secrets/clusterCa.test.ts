import { X509Certificate, createPublicKey } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureClusterCa, ensureHostCertificate, hostCertPaths, storedCertificateExpiry, tlsDir } from './clusterCa.js';
import { scratchDir } from '../../test/support/scratch.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

async function dir(): Promise<string> {
  return scratchDir('m1-ca-');
}

describe('cluster CA', () => {
  it('is made once: key 0600 in a 0700 directory, the same CA on the next call', async () => {
    const d = await dir();
    const a = await ensureClusterCa(d, 'm1');
    const b = await ensureClusterCa(d, 'm1');
    expect(b.cert).toBe(a.cert);
    expect((await stat(join(tlsDir(d), 'ca.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(tlsDir(d))).mode & 0o777).toBe(0o700);
    const x = new X509Certificate(a.cert);
    expect(x.ca).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
  });

  it('refuses a half CA (one file of two) instead of making a new one', async () => {
    const d = await dir();
    await ensureClusterCa(d, 'm1');
    await writeFile(join(tlsDir(d), 'ca.crt'), 'garbage');
    await expect(ensureClusterCa(d, 'm1')).rejects.toThrow(/cluster CA cannot be read/);
  });

  it('check mode writes nothing', async () => {
    const d = await dir();
    const ca = await ensureClusterCa(d, 'm1', { check: true });
    await ensureHostCertificate(d, ca, 'pg1', ['pg1'], { check: true });
    await expect(stat(tlsDir(d))).rejects.toThrow();
  });
});

describe('host certificates', () => {
  it('are signed by the CA, name the host by DNS and IP, and serve both ends of TLS', async () => {
    const d = await dir();
    const ca = await ensureClusterCa(d, 'm1');
    const h = await ensureHostCertificate(d, ca, 'pg1', ['pg1', 'proxy1', '10.1.2.3']);
    const x = new X509Certificate(h.cert);
    expect(x.subjectAltName).toBe('DNS:pg1, DNS:proxy1, IP Address:10.1.2.3');
    expect(x.checkIssued(new X509Certificate(ca.cert))).toBe(true);
    expect(x.verify(createPublicKey(ca.key))).toBe(true);
    expect(x.checkHost('proxy1')).toBe('proxy1');
    expect(x.checkIP('10.1.2.3')).toBe('10.1.2.3');
    expect(x.checkHost('other')).toBeUndefined();
    expect(x.ca).toBe(false);
    expect(x.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']));
    expect((await stat(hostCertPaths(d, 'pg1').key)).mode & 0o777).toBe(0o600);
  });

  it.skipIf(!hasOpenssl)('verify with openssl as a TLS server and client certificate, by host name', async () => {
    const d = await dir();
    const ca = await ensureClusterCa(d, 'm1');
    await ensureHostCertificate(d, ca, 'pg1', ['pg1', '10.1.2.3']);
    const caFile = join(tlsDir(d), 'ca.crt');
    const crt = hostCertPaths(d, 'pg1').cert;
    for (const purpose of ['sslserver', 'sslclient']) {
      const out = execFileSync('openssl', ['verify', '-CAfile', caFile, '-purpose', purpose, '-verify_hostname', 'pg1', crt], { encoding: 'utf8' });
      expect(out).toContain(': OK');
    }
    expect(() => execFileSync('openssl', ['verify', '-CAfile', caFile, '-verify_hostname', 'pg2', crt], { stdio: 'pipe' })).toThrow();
    // The key is a PKCS#8 EC key openssl reads.
    expect(execFileSync('openssl', ['pkey', '-in', hostCertPaths(d, 'pg1').key, '-noout'], { encoding: 'utf8' })).toBe('');
  });

  it('are kept across calls (a redeploy installs the same bytes) and reissued when names change or expiry nears', async () => {
    const d = await dir();
    const ca = await ensureClusterCa(d, 'm1');
    const now = new Date('2026-12-05T00:00:00Z');
    const first = await ensureHostCertificate(d, ca, 'pg1', ['pg1'], { now });
    expect(first.issued).toBe('none stored');
    const again = await ensureHostCertificate(d, ca, 'pg1', ['pg1'], { now });
    expect(again.issued).toBeUndefined();
    expect(again.cert).toBe(first.cert);
    expect(await readFile(hostCertPaths(d, 'pg1').cert, 'utf8')).toBe(first.cert);

    const renamed = await ensureHostCertificate(d, ca, 'pg1', ['pg1', '10.0.0.9'], { now });
    expect(renamed.issued).toBe('its names changed');

    const late = new Date(renamed.notAfter.getTime() - 29 * 86_400_000);
    const renewed = await ensureHostCertificate(d, ca, 'pg1', ['pg1', '10.0.0.9'], { now: late });
    expect(renewed.issued).toBe('it expires within 30 days');
    expect(renewed.notAfter.getTime()).toBeGreaterThan(renamed.notAfter.getTime());

    const other = await ensureClusterCa(await dir(), 'm1');
    expect((await ensureHostCertificate(d, other, 'pg1', ['pg1', '10.0.0.9'], { now: late })).issued).toBe('not signed by the cluster CA');
    expect((await storedCertificateExpiry(d, 'pg1', late))?.daysLeft).toBeGreaterThan(300);
  });

  it('a host name that is not one is refused (no path tricks)', async () => {
    expect(() => hostCertPaths('/x', '../ca')).toThrow(/not a host name/);
  });
});
