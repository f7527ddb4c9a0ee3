/**
 * Every member's health, read over its client URL (`GET /health`, etcd 3.4:
 * `{"health":"true"}` when the member is part of a quorum that commits,
 * `{"health":"false"}` otherwise; no answer when it is down). The read needs
 * no credentials, so it works the same before and after authentication is
 * enabled (`etcdctl endpoint health` needs a user once it is: "user name is
 * empty"). curl checks each member's certificate against the cluster CA.
 *
 * The command prints one line per member, `<name><TAB><answer or curl's
 * error>`, and exits 0 only when every member said true.
 */
import { HostError } from '../../errors.js';
import { argv, quote } from '../../engine/shell/quote.js';
import { withScheme, type EtcdMember } from './members.js';
import { ETCD_CA_PATH } from './tls.js';

export interface EtcdHealthOptions {
  /**
   * A member that does not answer over TLS is asked over plain HTTP too: only
   * while a cluster switches from plain HTTP to TLS, member by member.
   */
  plainToo?: boolean;
  /** Per member and attempt, seconds (default 3). */
  timeoutSeconds?: number;
}

/** curl's options for an etcd client URL: https only, checked against the cluster CA. */
export function etcdCurlArgs(url: string, timeoutSeconds = 3): string[] {
  const tls = url.startsWith('https://') ? ['--proto', '=https', '--cacert', ETCD_CA_PATH] : ['--proto', '=http'];
  return ['-sS', '--noproxy', '*', '--connect-timeout', String(Math.min(2, timeoutSeconds)), '--max-time', String(timeoutSeconds), ...tls];
}

export function etcdEndpointHealthCommand(members: readonly EtcdMember[], opts: EtcdHealthOptions = {}): string {
  const t = opts.timeoutSeconds ?? 3;
  const ask = (url: string) => `a=$(${argv('curl', ...etcdCurlArgs(url, t), `${url}/health`)} 2>&1)`;
  const lines = ['bad=0'];
  for (const m of members) {
    lines.push(opts.plainToo ? `${ask(m.clientUrl)} || ${ask(withScheme(m.clientUrl, 'http'))}` : ask(m.clientUrl));
    lines.push(`printf '%s\\t%s\\n' ${quote(m.name)} "$(printf '%s' "$a" | tr '\\t\\n' '  ')"`);
    lines.push(`case "$a" in *'"health":"true"'*) ;; *) bad=1 ;; esac`);
  }
  lines.push('exit $bad');
  return lines.join('\n');
}

export interface EndpointHealth {
  endpoint: string;
  /** Member name when the endpoint is one of ours. */
  member?: string;
  healthy: boolean;
  error?: string;
}

/** Parses etcdEndpointHealthCommand's lines; a member without a line counts as unhealthy. */
export function parseEndpointHealth(stdout: string, members: readonly EtcdMember[]): EndpointHealth[] {
  const answers = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0) answers.set(line.slice(0, tab), line.slice(tab + 1).trim());
  }
  if (answers.size === 0 && stdout.trim() !== '') throw new HostError(`etcd health: unexpected output: ${stdout.slice(0, 200)}`);
  return members.map((m) => {
    const answer = answers.get(m.name);
    if (answer === undefined) return { endpoint: m.clientUrl, member: m.name, healthy: false, error: 'no answer' };
    let healthy = false;
    try {
      const doc = JSON.parse(answer) as { health?: unknown };
      healthy = doc.health === 'true' || doc.health === true;
    } catch {
      // curl's error message
    }
    return healthy ? { endpoint: m.clientUrl, member: m.name, healthy } : { endpoint: m.clientUrl, member: m.name, healthy, error: answer || 'no answer' };
  });
}

/** One line for messages: "unhealthy: karakul (curl: (7) ...); healthy: kapok, kaput". */
export function describeHealth(health: readonly EndpointHealth[]): string {
  const name = (h: EndpointHealth) => h.member ?? h.endpoint;
  const ok = health.filter((h) => h.healthy).map(name);
  const bad = health.filter((h) => !h.healthy).map((h) => `${name(h)}${h.error ? ` (${h.error})` : ''}`);
  const parts: string[] = [];
  if (bad.length) parts.push(`unhealthy: ${bad.join(', ')}`);
  if (ok.length) parts.push(`healthy: ${ok.join(', ')}`);
  return parts.join('; ');
}
