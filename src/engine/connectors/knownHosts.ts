/**
 * Strict host key checking against an OpenSSH known_hosts file: plain
 * (`addr,alias type base64`), bracketed with a port (`[addr]:2222 ...`) and
 * hashed (`|1|salt|hash ...`) host fields; `@revoked` lines refuse a key;
 * `@cert-authority` lines are not supported and ignored.
 */
import { createHash, createHmac } from 'node:crypto';

export interface KnownKey {
  /** Key type as written (ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa...). */
  type: string;
  /** The raw public key blob (what the server sends). */
  blob: Buffer;
  revoked: boolean;
}

interface Entry extends KnownKey {
  patterns: string[];
}

export function parseKnownHosts(text: string): Entry[] {
  const entries: Entry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(/\s+/);
    let revoked = false;
    if (fields[0]?.startsWith('@')) {
      const marker = fields.shift();
      if (marker === '@revoked') revoked = true;
      else continue;
    }
    const [hosts, type, b64] = fields;
    if (!hosts || !type || !b64) continue;
    entries.push({ patterns: hosts.split(','), type, blob: Buffer.from(b64, 'base64'), revoked });
  }
  return entries;
}

/** The host field OpenSSH writes for an address and port. */
export function hostField(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function matches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  return pattern === name;
}

/** The keys known_hosts lists for an address and port (negated patterns exclude). */
export function keysFor(entries: Entry[], address: string, port: number): KnownKey[] {
  const name = hostField(address, port);
  return entries
    .filter((e) => !e.patterns.some((p) => p.startsWith('!') && matches(p.slice(1), name)))
    .filter((e) => e.patterns.some((p) => matches(p, name)))
    .map(({ type, blob, revoked }) => ({ type, blob, revoked }));
}

/** OpenSSH's fingerprint form: SHA256:<base64 without padding>. */
export function fingerprint(blob: Buffer): string {
  return 'SHA256:' + createHash('sha256').update(blob).digest('base64').replace(/=+$/, '');
}

/** The key type named inside an SSH public key blob. */
export function blobType(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** The server host key algorithms to offer for the key types we know, so the server presents one of them. */
export function hostKeyAlgorithms(keys: KnownKey[]): string[] {
  const algos: string[] = [];
  for (const k of keys) {
    if (k.revoked) continue;
    const list = k.type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [k.type];
    for (const a of list) if (!algos.includes(a)) algos.push(a);
  }
  return algos;
}

/**
 * Checks a presented key: undefined when it is known and not revoked, else
 * the one-line reason to refuse it.
 */
export function verifyHostKey(keys: KnownKey[], presented: Buffer, knownHostsFile: string, address: string, port: number): string | undefined {
  const where = hostField(address, port);
  const fp = `${blobType(presented)} ${fingerprint(presented)}`;
  if (keys.some((k) => k.revoked && k.blob.equals(presented))) return `host key ${fp} of ${where} is marked @revoked in ${knownHostsFile}`;
  if (keys.some((k) => !k.revoked && k.blob.equals(presented))) return undefined;
  if (keys.length === 0) {
    return `host key of ${where} is unknown (${fp}): no entry in ${knownHostsFile}; add it (m1 provision records it) after checking the fingerprint`;
  }
  return `host key of ${where} does not match ${knownHostsFile} (presented ${fp}); if the host was rebuilt, replace its entry, otherwise stop: someone may be intercepting`;
}
