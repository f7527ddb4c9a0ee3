/**
 * /etc/hosts on every cluster host names every other one, so configs can use
 * host names (as TPA's do). m1 owns only a block between two marker lines and
 * leaves the rest of the file (docker's own entries, the admin's) untouched.
 */
import type { Cluster } from '../../inventory/cluster.js';
import { hostVar } from '../../config/vars.js';

export const HOSTS_FILE = '/etc/hosts';
export const BLOCK_BEGIN = '# BEGIN m1 cluster hosts';
export const BLOCK_END = '# END m1 cluster hosts';

export interface HostEntry {
  address: string;
  names: string[];
}

/** One entry per instance with a known address, in node order; `hostname_aliases` vars add names. */
export function clusterHostEntries(cluster: Cluster): HostEntry[] {
  const entries: HostEntry[] = [];
  for (const i of [...cluster.instances].sort((a, b) => a.node - b.node)) {
    if (!i.ipAddress) continue;
    // Host names, never localhost or its kin (the spec): withHostsBlock drops other lines naming a block's names.
    const extra = hostVar(cluster, i, 'hostname_aliases');
    entries.push({ address: i.ipAddress, names: [i.name, ...extra.filter((a) => a !== i.name)] });
  }
  return entries;
}

/** The managed block, markers included, ending with a newline. */
export function hostsBlock(entries: readonly HostEntry[]): string {
  const lines = entries.map((e) => `${e.address}\t${e.names.join(' ')}`);
  return [BLOCK_BEGIN, ...lines, BLOCK_END].join('\n') + '\n';
}

/**
 * `current` with its managed block replaced by `block` (appended when absent).
 * Lines outside the markers are kept byte for byte, except lines that map one
 * of the block's names to a different address: two answers for one name would
 * make resolution depend on line order. (On docker /etc/hosts is a bind mount:
 * write it in place, not through a rename.)
 */
export function withHostsBlock(current: string, block: string): string {
  const lines = current.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const begin = lines.indexOf(BLOCK_BEGIN);
  const end = begin >= 0 ? lines.indexOf(BLOCK_END, begin) : -1;
  const hasBlock = begin >= 0 && end > begin;
  const before = hasBlock ? lines.slice(0, begin) : lines;
  const after = hasBlock ? lines.slice(end + 1) : [];

  const blockAddress = new Map<string, string>();
  for (const l of block.split('\n')) {
    const [addr, ...names] = l.trim().split(/\s+/);
    if (!addr || addr.startsWith('#')) continue;
    for (const n of names) blockAddress.set(n, addr);
  }
  const conflicts = (raw: string): boolean => {
    const [addr, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
    return !!addr && names.some((n) => blockAddress.has(n) && blockAddress.get(n) !== addr);
  };
  const text = (ls: string[]): string => (ls.length ? ls.join('\n') + '\n' : '');
  return text(before.filter((l) => !conflicts(l))) + block + text(after.filter((l) => !conflicts(l)));
}
