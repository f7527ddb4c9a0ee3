import { describe, expect, it } from 'vitest';
import {
  NOTHING_LIVE,
  effectivePrimary,
  effectiveRole,
  effectiveUpstream,
  topologyDrift,
} from '../../../../src/inventory/liveTopology.js';
import { defaultCluster, twoLocationCluster } from '../fixtures.js';

describe('effective topology before the first deploy', () => {
  const c = twoLocationCluster();
  it('follows config.yml when nothing runs', () => {
    expect(effectivePrimary(c, NOTHING_LIVE)).toBe('alpha');
    expect(effectiveUpstream(c, NOTHING_LIVE, 'beta')).toBe('alpha');
    expect(effectiveUpstream(c, NOTHING_LIVE, 'gamma')).toBe('alpha');
    expect(effectiveUpstream(c, NOTHING_LIVE, 'delta')).toBe('gamma');
    expect(effectiveUpstream(c, NOTHING_LIVE, 'alpha')).toBeUndefined();
  });
  it('knows hosts without Postgres and witnesses', () => {
    expect(effectiveRole(c, NOTHING_LIVE, 'epsilon')).toBeUndefined();
    expect(effectiveRole(defaultCluster(), NOTHING_LIVE, 'gamma')).toBe('witness');
  });
});

describe('after a failover (beta promoted, alpha rejoined under beta)', () => {
  const c = twoLocationCluster();
  const live = { primary: 'beta', upstreams: { alpha: 'beta', gamma: 'beta', delta: 'gamma' } };
  it('treats the live primary as primary and the old one as a replica', () => {
    expect(effectiveRole(c, live, 'beta')).toBe('primary');
    expect(effectiveRole(c, live, 'alpha')).toBe('replica');
    expect(effectiveUpstream(c, live, 'beta')).toBeUndefined();
    expect(effectiveUpstream(c, live, 'alpha')).toBe('beta');
  });
  it('keeps each replica on its live upstream', () => {
    expect(effectiveUpstream(c, live, 'gamma')).toBe('beta');
    expect(effectiveUpstream(c, live, 'delta')).toBe('gamma');
  });
  it('warns about the drift without proposing to undo it', () => {
    const warnings = topologyDrift(c, live);
    expect(warnings).toContain('beta is the primary now; config.yml names alpha (config.yml is left as it is)');
    expect(warnings).toContain('alpha streams from beta; config.yml names it primary');
    expect(warnings).toContain('gamma streams from beta; config.yml says alpha');
    expect(warnings.some((w) => w.startsWith('delta '))).toBe(false);
  });
});

describe('replicas that are not streaming yet', () => {
  const c = twoLocationCluster();
  it('a replica configured under the old primary follows the live primary', () => {
    const live = { primary: 'beta', upstreams: {} };
    expect(effectiveUpstream(c, live, 'gamma')).toBe('beta');
  });
  it('a cascaded replica keeps its configured upstream', () => {
    const live = { primary: 'beta', upstreams: {} };
    expect(effectiveUpstream(c, live, 'delta')).toBe('gamma');
  });
  it("config.yml's primary, down and not yet rejoined, is to follow the live primary", () => {
    const live = { primary: 'gamma', upstreams: {} };
    expect(effectiveRole(c, live, 'alpha')).toBe('replica');
    expect(effectiveUpstream(c, live, 'alpha')).toBe('gamma');
  });
});
