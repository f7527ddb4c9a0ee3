import { describe, expect, it } from 'vitest';
import {
  describeHealth,
  etcdEndpointHealthCommand,
  parseEndpointHealth,
} from '../../../../src/products/etcd/endpointHealthCommand.js';
import {
  compareMembership,
  etcdMemberListCommand,
  hexMemberId,
  membershipMatches,
  parseMemberList,
} from '../../../../src/products/etcd/memberListCommand.js';
import { etcdMembers } from '../../../../src/products/etcd/members.js';
import { patroniCluster } from '../patroni/fixture.js';

const members = etcdMembers(patroniCluster());

describe('etcd health over each member\'s client URL', () => {
  it('asks GET /health of every member over TLS, checked against the cluster CA, with bounded timeouts', () => {
    const cmd = etcdEndpointHealthCommand(members);
    for (const ip of ['10.33.0.5', '10.33.0.6', '10.33.0.7']) {
      expect(cmd).toContain(`curl -sS --noproxy '*' --connect-timeout 2 --max-time 3 --proto =https --cacert /etc/m1/ssl/ca.crt https://${ip}:2379/health`);
    }
    expect(cmd).not.toContain('http://');
    expect(cmd).toMatch(/exit \$bad$/);
  });

  it('while a cluster switches to TLS, asks a member that does not answer over TLS over plain HTTP too', () => {
    const cmd = etcdEndpointHealthCommand(members, { plainToo: true });
    expect(cmd).toContain("https://10.33.0.6:2379/health 2>&1) || a=$(curl -sS --noproxy '*' --connect-timeout 2 --max-time 3 --proto =http http://10.33.0.6:2379/health 2>&1)");
  });

  // Answers captured from etcd 3.4.23 (one member killed), as the command prints them.
  const oneDown = ['kapok\t{"health":"true"}', 'kaput\t{"health":"true"}', "karakul\tcurl: (7) Failed to connect to 10.33.0.7 port 2379 after 0 ms: Couldn't connect to server"].join('\n');

  it('parses healthy and unhealthy members', () => {
    const h = parseEndpointHealth(oneDown, members);
    expect(h.filter((x) => x.healthy).map((x) => x.member)).toEqual(['kapok', 'kaput']);
    expect(h.find((x) => x.member === 'karakul')).toMatchObject({ healthy: false, endpoint: 'https://10.33.0.7:2379' });
    expect(describeHealth(h)).toBe("unhealthy: karakul (curl: (7) Failed to connect to 10.33.0.7 port 2379 after 0 ms: Couldn't connect to server); healthy: kapok, kaput");
  });

  it('a member without quorum says false; a member absent from the output counts as unhealthy', () => {
    const h = parseEndpointHealth('kapok\t{"health":"false"}', members);
    expect(h.map((x) => [x.member, x.healthy])).toEqual([['kapok', false], ['kaput', false], ['karakul', false]]);
    expect(h[1]!.error).toBe('no answer');
  });

  it('rejects output that is not its lines', () => {
    expect(() => parseEndpointHealth('Error: something else', members)).toThrow(/unexpected output: Error: something else/);
  });
});

describe('etcd member list', () => {
  it('asks the JSON gateway of each member in turn, over TLS (and plain HTTP while switching), printing the first answer', () => {
    const cmd = etcdMemberListCommand(members);
    expect(cmd.split('\n')[0]).toBe(
      `a=$(curl -sS --noproxy '*' --connect-timeout 2 --max-time 3 --proto =https --cacert /etc/m1/ssl/ca.crt -X POST -d '{}' https://10.33.0.5:2379/v3/cluster/member/list 2>/dev/null) && case "$a" in *'"members"'*) printf '%s\\n' "$a"; exit 0 ;; esac`,
    );
    expect(cmd.split('\n')).toHaveLength(5);
    expect(etcdMemberListCommand(members, { plainToo: true }).split('\n')).toHaveLength(8);
    expect(etcdMemberListCommand(members, { plainToo: true })).toContain('http://10.33.0.5:2379/v3/cluster/member/list');
  });

  it('keeps the member IDs whole (the gateway gives them as strings) and names them in hex for etcdctl', () => {
    // Captured from etcd 3.4.23's gateway.
    const answer =
      '{"header":{"cluster_id":"5716013975821197444","member_id":"6598929098562179454","raft_term":"6"},"members":[{"ID":"6598929098562179454","name":"m1","peerURLs":["https://127.0.0.1:2380"],"clientURLs":["https://127.0.0.1:2379"]},' +
      '{"ID":"13487502627470054085","name":"m3","peerURLs":["http://127.0.0.3:2380"],"clientURLs":["http://127.0.0.3:2379"]}]}';
    const live = parseMemberList(answer);
    expect(live.map((m) => [m.id, hexMemberId(m.id)])).toEqual([
      ['6598929098562179454', '5b941b0d71c9917e'],
      ['13487502627470054085', 'bb2d3c2e098012c5'],
    ]);
  });

  const live = (names: Array<[string, string]>) =>
    JSON.stringify({
      header: { cluster_id: 16172279897100229334n.toString(), member_id: 1, raft_term: 2 },
      members: names.map(([name, ip], i) => ({
        ID: String(1439571014844065030n + BigInt(i)),
        name,
        peerURLs: [`https://${ip}:2380`],
        clientURLs: name ? [`https://${ip}:2379`] : [],
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
    expect(diff.notStarted).toEqual(['https://10.33.0.9:2380']);
  });

  it('while a cluster switches to TLS, a member still on http:// is the same member (anyScheme), not otherwise', () => {
    const out = JSON.parse(live([['kapok', '10.33.0.5'], ['kaput', '10.33.0.6'], ['karakul', '10.33.0.7']]));
    out.members[1].peerURLs = ['http://10.33.0.6:2380'];
    const parsed = parseMemberList(JSON.stringify(out));
    expect(compareMembership(members, parsed).peerUrlMismatch).toEqual(['kaput']);
    expect(membershipMatches(compareMembership(members, parsed, { anyScheme: true }))).toBe(true);
  });
});
