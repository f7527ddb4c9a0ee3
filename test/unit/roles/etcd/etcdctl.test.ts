import { describe, expect, it } from 'vitest';
import {
  describeHealth,
  etcdEndpointHealthCommand,
  parseEndpointHealth,
} from '../../../../src/products/etcd/endpointHealthCommand.js';
import {
  compareMembership,
  etcdMemberListCommand,
  membershipMatches,
  parseMemberList,
} from '../../../../src/products/etcd/memberListCommand.js';
import { etcdMembers } from '../../../../src/products/etcd/members.js';
import { patroniCluster } from '../patroni/fixture.js';

const members = etcdMembers(patroniCluster());

describe('etcdctl endpoint health', () => {
  it('asks every member over the v3 API with bounded timeouts, as JSON', () => {
    expect(etcdEndpointHealthCommand(members)).toBe(
      'ETCDCTL_API=3 etcdctl --endpoints=http://10.33.0.5:2379,http://10.33.0.6:2379,http://10.33.0.7:2379 ' +
        '--dial-timeout=2s --command-timeout=3s endpoint health -w json',
    );
  });

  // Output captured from etcdctl 3.4.23 with one of three members killed.
  const oneDown =
    '[{"endpoint":"http://10.33.0.6:2379","health":true,"took":"13.781348ms"},' +
    '{"endpoint":"http://10.33.0.5:2379","health":true,"took":"21.924103ms"},' +
    '{"endpoint":"http://10.33.0.7:2379","health":false,"took":"5.000586745s","error":"context deadline exceeded"}]';

  it('parses healthy and unhealthy endpoints and maps them to members', () => {
    const h = parseEndpointHealth(oneDown, members);
    expect(h.filter((x) => x.healthy).map((x) => x.member).sort()).toEqual(['kapok', 'kaput']);
    expect(h.find((x) => x.member === 'karakul')).toMatchObject({ healthy: false, error: 'context deadline exceeded' });
    expect(describeHealth(h)).toBe('unhealthy: karakul (context deadline exceeded); healthy: kaput, kapok');
  });

  it('counts a member absent from the output as unhealthy', () => {
    const partial = '[{"endpoint":"http://10.33.0.5:2379","health":true,"took":"1ms"}]';
    const h = parseEndpointHealth(partial, members);
    expect(h.filter((x) => !x.healthy).map((x) => x.member)).toEqual(['kaput', 'karakul']);
  });

  it('rejects output that is not JSON with the start of it', () => {
    expect(() => parseEndpointHealth('Error: unhealthy cluster', members)).toThrow(/not JSON: Error: unhealthy/);
  });
});

describe('etcdctl member list', () => {
  it('is built over the same endpoints', () => {
    expect(etcdMemberListCommand(members)).toMatch(/^ETCDCTL_API=3 etcdctl --endpoints=http:\/\/10\.33\.0\.5:2379,.* member list -w json$/);
  });

  const live = (names: Array<[string, string]>) =>
    JSON.stringify({
      header: { cluster_id: 16172279897100229334n.toString(), member_id: 1, raft_term: 2 },
      members: names.map(([name, ip], i) => ({
        ID: 1439571014844065030 + i,
        name,
        peerURLs: [`http://${ip}:2380`],
        clientURLs: name ? [`http://${ip}:2379`] : [],
      })),
    });

  it('matches when the live members are exactly ours', () => {
    const out = live([['kapok', '10.33.0.5'], ['kaput', '10.33.0.6'], ['karakul', '10.33.0.7']]);
    const diff = compareMembership(members, parseMemberList(out));
    expect(membershipMatches(diff)).toBe(true);
  });

  it("detects the package's stray single-member cluster", () => {
    const out = live([['kapok', '127.0.0.1']]);
    const diff = compareMembership(members, parseMemberList(out));
    expect(diff.missing).toEqual(['kaput', 'karakul']);
    expect(diff.peerUrlMismatch).toEqual(['kapok']);
    expect(membershipMatches(diff)).toBe(false);
  });

  it('reports unknown and not-yet-started members', () => {
    const out = live([['kapok', '10.33.0.5'], ['kaput', '10.33.0.6'], ['karakul', '10.33.0.7'], ['', '10.33.0.9'], ['old', '10.33.0.8']]);
    const diff = compareMembership(members, parseMemberList(out));
    expect(diff.unexpected).toEqual(['old']);
    expect(diff.notStarted).toEqual(['http://10.33.0.9:2380']);
  });
});
