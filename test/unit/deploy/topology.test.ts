import { describe, expect, it } from 'vitest';
import type { HostLiveFacts } from '../../../roles/context.js';
import { hostLiveFacts, instanceForHost, liveTopology } from '../../../playbooks/deploy/live.js';
import { parseGather } from '../../../playbooks/deploy/gather.js';
import { testCluster } from '../../support/testCluster.js';
import { recorded } from '../live/recorded.js';
import { postgresLevels } from '../../../roles/postgres/levels.js';
import { NOTHING_LIVE, effectiveUpstream } from '../../../src/inventory/liveTopology.js';
import { byName, defaultCluster, deployContext, twoLocationCluster } from '../roles/fixtures.js';
import { downstreamSlots } from '../../../roles/repmgr/role.js';
import { repmgrSlotName } from '../../../src/products/repmgr/sql.js';

const up = (inRecovery: boolean, upstream?: string): HostLiveFacts => ({ reachable: true, postgresRunning: true, dataDirInitialised: true, inRecovery, upstream });

describe('live topology from the facts', () => {
  it('maps a WAL receiver host given as name, address or FQDN to the instance', () => {
    const c = defaultCluster();
    expect(instanceForHost(c, 'alpha')).toBe('alpha');
    expect(instanceForHost(c, '10.33.0.12')).toBe('beta');
    expect(instanceForHost(c, 'gamma.example.net')).toBe('gamma');
    expect(instanceForHost(c, '192.0.2.1', { alpha: '192.0.2.1' })).toBe('alpha');
    expect(instanceForHost(c, 'nobody')).toBeUndefined();
  });

  it('turns what a host answered into host facts: a receiver down still names its upstream in primary_conninfo', () => {
    const c = defaultCluster();
    const o = { version: 15, checkPackageSource: false } as const;
    const f = hostLiveFacts(c, parseGather(o, 'm1:mem=1\nm1:pgdata=15\nm1:pg=/opt/postgres/data|true||0/5000000|0/5000000||2|9|beta|10.33.0.11|1796400384\n'));
    expect(f).toEqual({ reachable: true, postgresRunning: true, dataDirInitialised: true, inRecovery: true, upstream: 'alpha', streaming: false, systemIdentifier: '9' });
    expect(hostLiveFacts(c, undefined)).toEqual({ reachable: false, postgresRunning: false, dataDirInitialised: false });
  });

  it("right after a promotion by hand (recorded: pg_promote on acacia, pg_control still on timeline 1), deploy's primary is the promoted server", () => {
    // willow (config.yml's primary, timeline 3) and yew (timeline 2) also run as primary in this recording.
    const c = testCluster({
      name: 'live-rp',
      instances: [
        { name: 'live-rp-willow', roles: ['primary'], backup: 'live-rp-beech' },
        { name: 'live-rp-yew', roles: ['replica'], upstream: 'live-rp-willow' },
        { name: 'live-rp-acacia', roles: ['replica'], upstream: 'live-rp-yew' },
        { name: 'live-rp-beech', roles: ['barman'] },
      ],
    });
    const o = { version: 15, checkPackageSource: true } as const;
    const hosts = Object.fromEntries(c.instances.map((i) => [i.name, hostLiveFacts(c, parseGather(o, recorded('repmgr-promoted', i.name)))]));
    expect(hosts['live-rp-acacia']).toMatchObject({ postgresRunning: true, inRecovery: false, timeline: 4 });
    const t = liveTopology(c, hosts);
    expect(t.live.primary).toBe('live-rp-acacia');
    expect(t.warnings[0]).toMatch(/several hosts run as primary: live-rp-willow \(timeline 3\), live-rp-yew \(timeline 2\), live-rp-acacia \(timeline 4\); treating live-rp-acacia as the primary/);
  });

  it('after a failover, a standby that does not stream yet and names the dead primary in primary_conninfo has no live upstream: it goes under the live primary', () => {
    // The two-location layout: alpha (primary) failed, beta promoted, gamma (dr) not yet moved by repmgrd, delta cascades from gamma.
    const c = twoLocationCluster();
    const down: HostLiveFacts = { reachable: true, postgresRunning: false, dataDirInitialised: true };
    const hosts = { alpha: down, beta: up(false), gamma: { ...up(true, 'alpha'), streaming: false }, delta: { ...up(true, 'gamma'), streaming: true } };
    const t = liveTopology(c, hosts);
    expect(t.live.upstreams).toEqual({ delta: 'gamma' });
    expect(t.warnings).toContain('gamma does not stream: its primary_conninfo names alpha, whose Postgres does not run');
    expect(effectiveUpstream(c, t.live, 'gamma')).toBe('beta');
    // Streaming from it, or naming a server that runs, it keeps that upstream.
    expect(liveTopology(c, { ...hosts, gamma: { ...up(true, 'alpha'), streaming: true } }).live.upstreams).toEqual({ gamma: 'alpha', delta: 'gamma' });
    expect(liveTopology(c, { ...hosts, alpha: up(true, 'beta') }).live.upstreams).toEqual({ alpha: 'beta', gamma: 'alpha', delta: 'gamma' });
  });

  it('a host deploy rejoins (rewound) streams from the live primary, a cascaded one too: registered under it, its slot there and none on its configured upstream', () => {
    // gamma was primary (delta cascades from it in config.yml); beta promoted; gamma stopped; delta replayed gamma's WAL past the fork.
    const c = twoLocationCluster();
    const hosts: Record<string, HostLiveFacts> = {
      alpha: { ...up(true, 'beta'), streaming: true },
      beta: up(false),
      gamma: { reachable: true, postgresRunning: false, dataDirInitialised: true, rejoin: 'a former primary: repmgr node rejoin --force-rewind' },
      delta: { ...up(true, 'gamma'), streaming: false, rejoin: "a standby that left beta's history: ..." },
    };
    const t = liveTopology(c, hosts);
    expect(t.live).toEqual({ primary: 'beta', upstreams: { alpha: 'beta', gamma: 'beta', delta: 'beta' } });
    // Nothing is said of where they stream now: the rejoin task says where they go.
    expect(t.warnings.filter((w) => /^(gamma|delta) /.test(w))).toEqual([]);
    expect(effectiveUpstream(c, t.live, 'delta')).toBe('beta');
    const ctx = deployContext(c, t.live, { hosts });
    expect(downstreamSlots(ctx, 'gamma')).toEqual([]);
    expect(downstreamSlots(ctx, 'beta')).toEqual(expect.arrayContaining([repmgrSlotName(byName(c, 'delta').node), repmgrSlotName(byName(c, 'gamma').node)]));
    // Without the rejoin, delta kept its configured upstream.
    const kept = liveTopology(c, { ...hosts, delta: { ...up(true, 'gamma'), streaming: false } });
    expect(effectiveUpstream(c, kept.live, 'delta')).toBe('gamma');
  });

  it('takes the host out of recovery as primary, never the witness', () => {
    const c = defaultCluster();
    const t = liveTopology(c, { alpha: up(false), beta: up(true, 'alpha'), gamma: up(false) });
    expect(t.live).toEqual({ primary: 'alpha', upstreams: { beta: 'alpha' } });
    expect(t.warnings).toEqual([]);
  });

  it('after a failover: the promoted replica is primary, with a warning and nobody demoted', () => {
    const c = defaultCluster();
    const t = liveTopology(c, { alpha: up(true, 'beta'), beta: up(false), gamma: up(false) });
    expect(t.live.primary).toBe('beta');
    expect(t.warnings.join('\n')).toMatch(/beta is the primary now; config.yml names alpha/);
  });

  it('with two primaries it says so and keeps the promoted one (highest timeline), else config.yml’s', () => {
    const c = defaultCluster();
    const t = liveTopology(c, { alpha: up(false), beta: up(false), gamma: up(false) });
    expect(t.live.primary).toBe('alpha');
    expect(t.warnings[0]).toMatch(/several hosts run as primary: alpha \(timeline \?\), beta/);
    const promoted = liveTopology(c, { alpha: { ...up(false), timeline: 1 }, beta: { ...up(false), timeline: 2 }, gamma: up(false) });
    expect(promoted.live.primary).toBe('beta');
  });

  it('orders Postgres hosts by streaming level: primary, replicas + witness, cascaded', () => {
    expect(postgresLevels(defaultCluster(), NOTHING_LIVE)).toEqual([['alpha'], ['beta', 'gamma']]);
    expect(postgresLevels(twoLocationCluster(), NOTHING_LIVE)).toEqual([['alpha'], ['beta', 'gamma'], ['delta']]);
    // After a failover to gamma, alpha and beta follow gamma; delta keeps streaming from gamma.
    expect(postgresLevels(twoLocationCluster(), { primary: 'gamma', upstreams: { delta: 'gamma' } })).toEqual([['gamma'], ['alpha', 'beta', 'delta']]);
  });
});
