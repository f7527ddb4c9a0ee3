import { describe, expect, it } from 'vitest';
import { repmgrNodes } from '../../../src/live/facts/repmgrNodes.js';
import { repmgrd } from '../../../src/live/facts/repmgrd.js';
import { repmgrClusterShow } from '../../../src/live/facts/repmgrClusterShow.js';
import { readRecorded } from './recorded.js';

const repmgr = { nodes: repmgrNodes, daemon: repmgrd, show: repmgrClusterShow('/usr/lib/postgresql/15/bin/repmgr', '/etc/repmgr/15/repmgr.conf') };

describe('the repmgr facts, recorded on repmgr 5.3.3', () => {
  it("repmgr.nodes as a node has it: the primary has no upstream, the cascaded standby's is node 2", () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-acacia', repmgr);
    expect(facts.nodes).toEqual([
      { nodeId: 1, name: 'live-rp-willow', type: 'primary', active: true },
      { nodeId: 2, name: 'live-rp-yew', type: 'standby', upstreamNodeId: 1, active: true },
      { nodeId: 3, name: 'live-rp-acacia', type: 'standby', upstreamNodeId: 2, active: true },
    ]);
    expect(facts.daemon).toEqual({ running: true, paused: false });
  });

  it('`cluster show --csv`: every node reachable, the primary out of recovery', () => {
    const { facts } = readRecorded('repmgr-deployed', 'live-rp-willow', repmgr);
    expect(facts.show).toEqual([
      { nodeId: 1, connection: 0, recovery: 0 },
      { nodeId: 2, connection: 0, recovery: 1 },
      { nodeId: 3, connection: 0, recovery: 1 },
    ]);
  });

  it('after a failover while yew was cut off: the new primary marks yew inactive; yew, back, still records itself primary', () => {
    const willow = readRecorded('repmgr-split-brain', 'live-rp-willow', repmgr).facts.nodes;
    expect(willow.find((n) => n.name === 'live-rp-yew')).toEqual({ nodeId: 2, name: 'live-rp-yew', type: 'primary', active: false });
    expect(willow.find((n) => n.name === 'live-rp-willow')?.type).toBe('primary');
    const yew = readRecorded('repmgr-split-brain', 'live-rp-yew', repmgr).facts.nodes;
    expect(yew.filter((n) => n.type === 'primary').map((n) => n.name)).toEqual(['live-rp-yew']);
  });

  it('a stopped server: no metadata, no daemon state, and cluster show prints nothing', () => {
    const { facts } = readRecorded('repmgr-stopped', 'live-rp-yew', repmgr);
    expect(facts).toEqual({ nodes: [], daemon: undefined, show: [] });
  });

  it('reads repmgr.nodes only where repmgr made it (a new server, a Patroni member: no error)', () => {
    expect(repmgrNodes.read).toMatchObject({ database: 'repmgr', when: "to_regclass('repmgr.nodes') IS NOT NULL" });
    expect(repmgrd.read).toMatchObject({ database: 'repmgr', when: "to_regprocedure('repmgr.repmgrd_is_running()') IS NOT NULL" });
  });
});
