import { describe, expect, it } from 'vitest';
import {
  allPendingRestart,
  isRunningReplica,
  parseClusterJson,
  parsePatronictlList,
  pendingRestartOrder,
} from '../../../../src/products/patroni/clusterStatus.js';
import {
  patronictlListCommand,
  patronictlRestartPendingCommand,
  patronictlSwitchoverCommand,
} from '../../../../src/products/patroni/patronictl.js';
import { patroniCluster } from './fixture.js';

// Shape of Patroni 3.0 GET /cluster (utils.cluster_as_json).
const clusterJson = (pending: string[] = [], leader = 'kaboom') =>
  JSON.stringify({
    members: ['kaboom', 'kaftan', 'kapow'].map((name) => ({
      name,
      role: name === leader ? 'leader' : 'replica',
      state: 'running',
      api_url: `http://${name}:8008/patroni`,
      host: name,
      port: 5432,
      timeline: 1,
      ...(pending.includes(name) ? { pending_restart: true } : {}),
      ...(name === leader ? {} : { lag: 0 }),
    })),
  });

describe('GET /cluster', () => {
  it('gives the leader and each member with its pending_restart flag', () => {
    const s = parseClusterJson(clusterJson(['kaftan']));
    expect(s.leader).toBe('kaboom');
    expect(s.members.map((m) => [m.name, m.role, m.pendingRestart])).toEqual([
      ['kaboom', 'leader', false],
      ['kaftan', 'replica', true],
      ['kapow', 'replica', false],
    ]);
    expect(isRunningReplica(s.members[1]!)).toBe(true);
    expect(isRunningReplica(s.members[0]!)).toBe(false);
  });

  it('an uninitialised cluster has no members and no leader', () => {
    expect(parseClusterJson('{"members": []}')).toEqual({ members: [], paused: false });
  });

  it('restarts pending replicas before the leader, by default', () => {
    const s = parseClusterJson(clusterJson(['kaboom', 'kapow', 'kaftan']));
    expect(pendingRestartOrder(s)).toEqual(['kaftan', 'kapow', 'kaboom']);
    expect(pendingRestartOrder(s, 'leader-first')).toEqual(['kaboom', 'kaftan', 'kapow']);
    expect(() => pendingRestartOrder(s, 'conflict')).toThrow(/refuse/);
  });

  it('follows the live leader, not config.yml, after a switchover', () => {
    const s = parseClusterJson(clusterJson(['kaboom', 'kaftan'], 'kaftan'));
    expect(pendingRestartOrder(s)).toEqual(['kaboom', 'kaftan']);
  });

  it('only members flagged are restarted; waiting ends when all are flagged', () => {
    const s = parseClusterJson(clusterJson(['kaftan']));
    expect(pendingRestartOrder(s)).toEqual(['kaftan']);
    expect(allPendingRestart(s, ['kaftan'])).toBe(true);
    expect(allPendingRestart(s, ['kaboom', 'kaftan'])).toBe(false);
  });
});

describe('patronictl', () => {
  const c = patroniCluster();

  it('builds list, switchover and restart with the member config file', () => {
    expect(patronictlListCommand(c)).toBe('patronictl -c /etc/patroni/patroni1.yml list -f json');
    expect(patronictlSwitchoverCommand(c, 'kaboom', 'kaftan')).toBe(
      'patronictl -c /etc/patroni/patroni1.yml switchover --leader kaboom --candidate kaftan --scheduled now --force',
    );
    expect(patronictlRestartPendingCommand(c, ['kaftan'])).toBe(
      'patronictl -c /etc/patroni/patroni1.yml restart patroni1 kaftan --pending --force',
    );
  });

  it('parses list -f json (3.0.2 rows keyed by column, empty cells dropped)', () => {
    const out =
      '[{"Cluster": "patroni1", "Member": "kaboom", "Host": "10.33.0.2", "Role": "Leader", "State": "running", "TL": 1, "Pending restart": "*"}, ' +
      '{"Cluster": "patroni1", "Member": "kaftan", "Host": "10.33.0.3", "Role": "Replica", "State": "running", "TL": 1, "Lag in MB": 0}]';
    const s = parsePatronictlList(out);
    expect(s.leader).toBe('kaboom');
    expect(s.members).toEqual([
      { name: 'kaboom', role: 'leader', state: 'running', host: '10.33.0.2', timeline: 1, pendingRestart: true },
      { name: 'kaftan', role: 'replica', state: 'running', host: '10.33.0.3', timeline: 1, pendingRestart: false, lagBytes: 0 },
    ]);
    expect(parsePatronictlList('[]').members).toEqual([]);
    expect(parsePatronictlList('[{"Member":"x","Role":"Sync Standby","State":"streaming"}]').members[0]!.role).toBe('sync_standby');
  });
});
