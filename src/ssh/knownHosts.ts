/**
 * OpenSSH known_hosts files, read and written the way OpenSSH does: plain
 * (`addr,alias type base64`), bracketed with a port (`[addr]:2222 ...`) and
 * hashed (`|1|salt|hash ...`) host fields, `!negated` patterns; `@revoked`
 * lines refuse a key; `@cert-authority` lines are not supported and ignored
 * (kept as they are when the file is rewritten). Pure functions: the engine
 * checks host keys strictly with them, provision records keys with them.
 */
import { createHmac } from 'node:crypto';
import { blobAlgorithm, fingerprint, type PublicKey } from './keys.js';

/** A key known_hosts lists for a host; a plain PublicKey is a trusted one. */
export interface KnownKey extends PublicKey {
  /** From an `@revoked` line: presenting this key is refused. */
  revoked?: boolean;
}

export interface KnownHostsEntry extends KnownKey {
  revoked: boolean;
  /** The host field split on commas, as written (hashed ones included). */
  patterns: string[];
}

/** Splits a line into its marker (if any) and fields; undefined for blanks and comments. */
function fieldsOf(raw: string): { marker?: string; fields: string[] } | undefined {
  const line = raw.trim();
  if (line === '' || line.startsWith('#')) return undefined;
  const fields = line.split(/\s+/);
  const marker = fields[0]?.startsWith('@') ? fields.shift() : undefined;
  return { marker, fields };
}

export function parseKnownHosts(text: string): KnownHostsEntry[] {
  const entries: KnownHostsEntry[] = [];
  for (const raw of text.split('\n')) {
    const parsed = fieldsOf(raw);
    if (!parsed) continue;
    if (parsed.marker !== undefined && parsed.marker !== '@revoked') continue;
    const [hosts, algorithm, base64] = parsed.fields;
    if (!hosts || !algorithm || !base64) continue;
    entries.push({ patterns: hosts.split(','), algorithm, base64, revoked: parsed.marker === '@revoked' });
  }
  return entries;
}

/** The host field OpenSSH writes for an address and port. */
export function hostField(address: string, port = 22): string {
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

function namesHost(patterns: string[], name: string): boolean {
  if (patterns.some((p) => p.startsWith('!') && matches(p.slice(1), name))) return false;
  return patterns.some((p) => matches(p, name));
}

/** The keys known_hosts lists for an address and port (negated patterns exclude). */
export function keysFor(entries: KnownHostsEntry[], address: string, port = 22): KnownKey[] {
  const name = hostField(address, port);
  return entries.filter((e) => namesHost(e.patterns, name)).map(({ algorithm, base64, revoked }) => ({ algorithm, base64, revoked }));
}

/** The server host key algorithms to offer for the key types we know, so the server presents one of them. */
export function hostKeyAlgorithms(keys: KnownKey[]): string[] {
  const algos: string[] = [];
  for (const k of keys) {
    if (k.revoked) continue;
    const list = k.algorithm === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [k.algorithm];
    for (const a of list) if (!algos.includes(a)) algos.push(a);
  }
  return algos;
}

/**
 * What known_hosts says of a presented key: `known` (listed, not revoked),
 * `revoked`, `changed` (the host has other keys) or `unknown` (no entry).
 */
export function matchHostKey(keys: KnownKey[], presented: Buffer): 'known' | 'revoked' | 'changed' | 'unknown' {
  const b64 = presented.toString('base64');
  if (keys.some((k) => k.revoked && k.base64 === b64)) return 'revoked';
  if (keys.some((k) => !k.revoked && k.base64 === b64)) return 'known';
  return keys.length === 0 ? 'unknown' : 'changed';
}

/**
 * Checks a presented key strictly: undefined when it is known and not
 * revoked, else the one-line reason to refuse it.
 */
export function verifyHostKey(keys: KnownKey[], presented: Buffer, knownHostsFile: string, address: string, port: number): string | undefined {
  const where = hostField(address, port);
  const fp = `${blobAlgorithm(presented)} ${fingerprint(presented)}`;
  switch (matchHostKey(keys, presented)) {
    case 'known':
      return undefined;
    case 'revoked':
      return `host key ${fp} of ${where} is marked @revoked in ${knownHostsFile}`;
    case 'unknown':
      return `host key of ${where} is unknown (${fp}): no entry in ${knownHostsFile}; add it (m1 provision records it) after checking the fingerprint`;
    case 'changed':
      return `host key of ${where} does not match ${knownHostsFile} (presented ${fp}); if the host was rebuilt, replace its entry, otherwise stop: someone may be intercepting`;
  }
}

/**
 * Sets the keys of one host: drops every plain or hashed line naming it,
 * appends one plain line per key, keeps every other line (comments,
 * `@revoked` and `@cert-authority` lines included) as it was.
 */
export function setHostKeys(text: string, address: string, port: number, keys: PublicKey[]): string {
  const name = hostField(address, port);
  const kept = text.split('\n').filter((raw) => {
    if (raw.trim() === '') return false;
    const parsed = fieldsOf(raw);
    if (!parsed || parsed.marker !== undefined) return true;
    return !namesHost((parsed.fields[0] ?? '').split(','), name);
  });
  for (const k of keys) kept.push(`${name} ${k.algorithm} ${k.base64}`);
  return kept.length ? kept.join('\n') + '\n' : '';
}

/** Whether known_hosts already holds exactly these (unrevoked) keys for the host. */
export function hasExactly(entries: KnownHostsEntry[], address: string, port: number, keys: PublicKey[]): boolean {
  const current = keysFor(entries, address, port).filter((k) => !k.revoked);
  return current.length === keys.length && keys.every((k) => current.some((c) => c.algorithm === k.algorithm && c.base64 === k.base64));
}
