import { describe, expect, it } from 'vitest';
import { choosePrimary, type PrimaryCandidate } from '../../../src/live/primary.js';
import { pgNode } from '../../../src/live/facts/pgNode.js';
import { readRecorded } from './recorded.js';

/** The servers out of recovery in a recorded scenario; config.yml names willow (node 1) primary, yew is node 2, acacia node 3. */
function primaries(scenario: string, use: 'timeline' | 'checkpointTimeline'): PrimaryCandidate[] {
  const hosts = [['live-rp-willow', 1], ['live-rp-yew', 2], ['live-rp-acacia', 3]] as const;
  return hosts.flatMap(([name, node]) => {
    const n = readRecorded(scenario, name, { node: pgNode }).facts.node;
    return n && !n.inRecovery ? [{ name, node, configured: name === 'live-rp-willow', timeline: n[use] }] : [];
  });
}

describe('the primary among several, by timeline', () => {
  it('right after a promotion (pg_promote on acacia, recorded): the live timeline picks the promoted server', () => {
    const live = primaries('repmgr-promoted', 'timeline');
    expect(live.map((c) => [c.name, c.timeline])).toEqual([['live-rp-willow', 3], ['live-rp-yew', 2], ['live-rp-acacia', 4]]);
    expect(choosePrimary(live)).toBe('live-rp-acacia');
    // pg_control's timeline still says 1 on acacia: by it, willow would wrongly stay primary.
    expect(choosePrimary(primaries('repmgr-promoted', 'checkpointTimeline'))).toBe('live-rp-willow');
  });

  it('a former primary back after a failover (recorded): the newer timeline wins over config.yml', () => {
    // yew, primary on timeline 2, was cut off; repmgr promoted willow onto timeline 3; yew came back still primary.
    expect(choosePrimary(primaries('repmgr-split-brain', 'timeline'))).toBe('live-rp-willow');
  });

  it('ties go to config.yml, then to the lowest node number; an unknown timeline ranks lowest', () => {
    expect(choosePrimary([{ name: 'b', node: 2, configured: true, timeline: 3 }, { name: 'a', node: 1, configured: false, timeline: 3 }])).toBe('b');
    expect(choosePrimary([{ name: 'c', node: 3, configured: false, timeline: 3 }, { name: 'a', node: 1, configured: false, timeline: 3 }])).toBe('a');
    expect(choosePrimary([{ name: 'a', node: 1, configured: true }, { name: 'b', node: 2, configured: false, timeline: 1 }])).toBe('b');
    expect(choosePrimary([])).toBeUndefined();
  });
});
