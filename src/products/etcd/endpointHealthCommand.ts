/**
 * `etcdctl endpoint health` over every member, and its JSON parsed. Exit
 * status is 0 only when every endpoint committed a proposal; a dead member
 * costs the command timeout, so it is kept short for polling loops.
 */
import { HostError } from '../../errors.js';
import { argv } from '../../engine/shell/quote.js';
import { etcdEndpoints, type EtcdMember } from './members.js';

export interface EtcdctlTimeouts {
  /** --dial-timeout, seconds (etcdctl default 2). */
  dialSeconds?: number;
  /** --command-timeout, seconds (etcdctl default 5). */
  commandSeconds?: number;
}

/** Common etcdctl prefix: v3 API, every member's client URL, bounded timeouts. */
export function etcdctlArgs(members: readonly EtcdMember[], timeouts: EtcdctlTimeouts = {}): string[] {
  return [
    `--endpoints=${etcdEndpoints(members)}`,
    `--dial-timeout=${timeouts.dialSeconds ?? 2}s`,
    `--command-timeout=${timeouts.commandSeconds ?? 3}s`,
  ];
}

/** ETCDCTL_API=3 is etcdctl 3.4's default; set anyway so an older client cannot speak v2. */
export function etcdEndpointHealthCommand(members: readonly EtcdMember[], timeouts?: EtcdctlTimeouts): string {
  return `ETCDCTL_API=3 ${argv('etcdctl', ...etcdctlArgs(members, timeouts), 'endpoint', 'health', '-w', 'json')}`;
}

export interface EndpointHealth {
  endpoint: string;
  /** Member name when the endpoint is one of ours. */
  member?: string;
  healthy: boolean;
  error?: string;
}

/**
 * Parses `endpoint health -w json` (etcdctl 3.4:
 * `[{"endpoint":"http://…:2379","health":true,"took":"9ms"},{…,"health":false,"error":"context deadline exceeded"}]`).
 * Members missing from the output count as unhealthy.
 */
export function parseEndpointHealth(stdout: string, members: readonly EtcdMember[]): EndpointHealth[] {
  let rows: unknown;
  try {
    rows = JSON.parse(stdout.trim() || '[]');
  } catch {
    throw new HostError(`etcdctl endpoint health: output is not JSON: ${stdout.slice(0, 200)}`);
  }
  if (!Array.isArray(rows)) throw new HostError('etcdctl endpoint health: expected a JSON array');
  const byUrl = new Map(members.map((m) => [m.clientUrl, m.name]));
  const seen = new Set<string>();
  const result: EndpointHealth[] = rows.map((r: Record<string, unknown>) => {
    const endpoint = String(r.endpoint ?? '');
    seen.add(endpoint);
    const entry: EndpointHealth = { endpoint, healthy: r.health === true };
    const member = byUrl.get(endpoint);
    if (member !== undefined) entry.member = member;
    if (typeof r.error === 'string') entry.error = r.error;
    return entry;
  });
  for (const m of members) {
    if (!seen.has(m.clientUrl)) {
      result.push({ endpoint: m.clientUrl, member: m.name, healthy: false, error: 'no answer' });
    }
  }
  return result;
}

/** One line for messages: "unhealthy: karakul (context deadline exceeded); healthy: kapok, kaput". */
export function describeHealth(health: readonly EndpointHealth[]): string {
  const name = (h: EndpointHealth) => h.member ?? h.endpoint;
  const ok = health.filter((h) => h.healthy).map(name);
  const bad = health.filter((h) => !h.healthy).map((h) => `${name(h)}${h.error ? ` (${h.error})` : ''}`);
  const parts: string[] = [];
  if (bad.length) parts.push(`unhealthy: ${bad.join(', ')}`);
  if (ok.length) parts.push(`healthy: ${ok.join(', ')}`);
  return parts.join('; ');
}
