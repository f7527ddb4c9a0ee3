/**
 * known_hosts content: plain (unhashed) entries `<host> <algorithm> <base64>`,
 * with `[host]:port` when the port is not 22, as OpenSSH writes them. Pure
 * functions; the file is read and written by clusterFiles.ts.
 */
import type { PublicKey } from './sshKeys.js';

export interface KnownHost extends PublicKey {
  /** Host pattern as written: `10.0.0.2` or `[10.0.0.2]:2222`. */
  host: string;
}

export function hostPattern(address: string, port = 22): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

/** Entries of a known_hosts text; comments, markers and hashed names are skipped. */
export function parseKnownHosts(text: string): KnownHost[] {
  const entries: KnownHost[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith('@') || line.startsWith('|')) continue;
    const [hosts, algorithm, base64] = line.split(/\s+/);
    if (!hosts || !algorithm || !base64) continue;
    for (const host of hosts.split(',')) entries.push({ host, algorithm, base64 });
  }
  return entries;
}

export function keysFor(entries: KnownHost[], pattern: string): KnownHost[] {
  return entries.filter((e) => e.host === pattern);
}

/**
 * Replaces every line naming `pattern` with the given keys (appended at the
 * end), keeping every other line as it was.
 */
export function setHostKeys(text: string, pattern: string, keys: PublicKey[]): string {
  const kept = text.split('\n').filter((raw) => {
    const line = raw.trim();
    if (!line) return false;
    if (line.startsWith('#') || line.startsWith('@') || line.startsWith('|')) return true;
    const hosts = line.split(/\s+/)[0] ?? '';
    return !hosts.split(',').includes(pattern);
  });
  for (const k of keys) kept.push(`${pattern} ${k.algorithm} ${k.base64}`);
  return kept.length ? kept.join('\n') + '\n' : '';
}
