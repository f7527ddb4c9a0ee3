/**
 * `etcdctl member list` and a comparison of the live membership with the
 * members config.yml asks for: it tells a cluster formed as intended from one
 * where a member is missing, extra (e.g. the package's stray single member) or
 * advertises other URLs.
 */
import { HostError } from '../../errors.js';
import { argv } from '../../engine/shell/quote.js';
import { etcdctlArgs, type EtcdctlTimeouts } from './endpointHealthCommand.js';
import type { EtcdMember } from './members.js';

export function etcdMemberListCommand(members: readonly EtcdMember[], timeouts?: EtcdctlTimeouts): string {
  return `ETCDCTL_API=3 ${argv('etcdctl', ...etcdctlArgs(members, timeouts), 'member', 'list', '-w', 'json')}`;
}

export interface LiveEtcdMember {
  /** Empty for a member added but never started. */
  name: string;
  peerUrls: string[];
  clientUrls: string[];
  started: boolean;
}

/**
 * Parses `member list -w json` (etcdctl 3.4: `{"header":{…},"members":[{"ID":…,"name":"a",
 * "peerURLs":[…],"clientURLs":[…]}]}`). IDs are uint64 and lose precision in
 * JSON.parse, so they are not returned; names and URLs identify members here.
 */
export function parseMemberList(stdout: string): LiveEtcdMember[] {
  let doc: { members?: Array<Record<string, unknown>> };
  try {
    doc = JSON.parse(stdout);
  } catch {
    throw new HostError(`etcdctl member list: output is not JSON: ${stdout.slice(0, 200)}`);
  }
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  return (doc.members ?? []).map((m) => {
    const name = typeof m.name === 'string' ? m.name : '';
    const clientUrls = strings(m.clientURLs);
    return { name, peerUrls: strings(m.peerURLs), clientUrls, started: name !== '' && clientUrls.length > 0 };
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

export function compareMembership(expected: readonly EtcdMember[], live: readonly LiveEtcdMember[]): MembershipDiff {
  const liveByName = new Map(live.filter((m) => m.name !== '').map((m) => [m.name, m]));
  const expectedNames = new Set(expected.map((m) => m.name));
  return {
    missing: expected.filter((m) => !liveByName.has(m.name)).map((m) => m.name),
    unexpected: live.filter((m) => m.name !== '' && !expectedNames.has(m.name)).map((m) => m.name),
    peerUrlMismatch: expected
      .filter((m) => {
        const l = liveByName.get(m.name);
        return l !== undefined && !(l.peerUrls.length === 1 && l.peerUrls[0] === m.peerUrl);
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
