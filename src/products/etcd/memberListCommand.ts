/**
 * The live membership, read from any member over its client URL (the v3
 * JSON gateway's `POST /v3/cluster/member/list`, which needs no user even
 * once authentication is on), and compared with the members config.yml asks
 * for: it tells a cluster formed as intended from one where a member is
 * missing, extra (e.g. the package's stray single member) or advertises
 * other URLs.
 */
import { HostError } from '../../errors.js';
import { argv } from '../../engine/shell/quote.js';
import { etcdCurlArgs, type EtcdHealthOptions } from './endpointHealthCommand.js';
import { sameEndpoint, withScheme, type EtcdMember } from './members.js';

/** Prints the first member's answer (one line of JSON); exits 1 when none answered. */
export function etcdMemberListCommand(members: readonly EtcdMember[], opts: EtcdHealthOptions = {}): string {
  const urls = members.flatMap((m) => (opts.plainToo ? [m.clientUrl, withScheme(m.clientUrl, 'http')] : [m.clientUrl]));
  const lines = urls.map(
    (u) =>
      `a=$(${argv('curl', ...etcdCurlArgs(u, opts.timeoutSeconds ?? 3), '-X', 'POST', '-d', '{}', `${u}/v3/cluster/member/list`)} 2>/dev/null) && case "$a" in *'"members"'*) printf '%s\\n' "$a"; exit 0 ;; esac`,
  );
  return [...lines, `echo 'no etcd member answered the member list' >&2`, 'exit 1'].join('\n');
}

export interface LiveEtcdMember {
  /** etcd's member ID, in decimal (as the JSON gateway gives it: a uint64 does not fit a JSON number). */
  id: string;
  /** Empty for a member added but never started. */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  started: boolean;
}

/** etcdctl names a member by its ID in hexadecimal. */
export function hexMemberId(id: string): string {
  return BigInt(id).toString(16);
}

/**
 * Parses the gateway's answer (etcd 3.4.23: `{"header":{…},"members":[{"ID":"6598929098562179454",
 * "name":"m1","peerURLs":["https://…:2380"],"clientURLs":["https://…:2379"]}]}`; a member added but
 * never started has no name and no client URLs).
 */
export function parseMemberList(stdout: string): LiveEtcdMember[] {
  let doc: { members?: Array<Record<string, unknown>> };
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new HostError(`etcd member list: output is not JSON: ${stdout.slice(0, 200)}`);
  }
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  return (doc.members ?? []).map((m) => {
    const name = typeof m.name === 'string' ? m.name : '';
    const clientUrls = strings(m.clientURLs);
    return { id: String(m.ID ?? ''), name, peerUrls: strings(m.peerURLs), clientUrls, started: name !== '' && clientUrls.length > 0 };
  });
}

export interface MembershipDiff {
  /** Expected members absent from the live cluster. */
  missing: string[];
  /** Live members config.yml does not name. */
  unexpected: string[];
  /** Members present under their name but with other peer URLs. */
  peerUrlMismatch: string[];
  /** Members added but not started yet. */
  notStarted: string[];
}

/**
 * `anyScheme`: a peer URL that differs only by http/https counts as the same
 * (a cluster switching to TLS: the settings stage moves each member).
 */
export function compareMembership(expected: readonly EtcdMember[], live: readonly LiveEtcdMember[], opts: { anyScheme?: boolean } = {}): MembershipDiff {
  const same = (a: string, b: string) => (opts.anyScheme ? sameEndpoint(a, b) : a === b);
  const liveByName = new Map(live.filter((m) => m.name !== '').map((m) => [m.name, m]));
  const expectedNames = new Set(expected.map((m) => m.name));
  return {
    missing: expected.filter((m) => !liveByName.has(m.name)).map((m) => m.name),
    unexpected: live.filter((m) => m.name !== '' && !expectedNames.has(m.name)).map((m) => m.name),
    peerUrlMismatch: expected
      .filter((m) => {
        const l = liveByName.get(m.name);
        return l !== undefined && !(l.peerUrls.length === 1 && same(l.peerUrls[0]!, m.peerUrl));
      })
      .map((m) => m.name),
    notStarted: live.filter((m) => !m.started).flatMap((m) => m.peerUrls),
  };
}

export function membershipMatches(diff: MembershipDiff): boolean {
  return (
    diff.missing.length === 0 &&
    diff.unexpected.length === 0 &&
    diff.peerUrlMismatch.length === 0 &&
    diff.notStarted.length === 0
  );
}
