import { describe, expect, it } from 'vitest';
import { defaultLayout } from '../../../../test/unit/roles/efm/clusters.js';
import { efmClusterStatusCommand, efmClusterStatusJsonCommand, efmPrimaries, parseClusterStatusJson } from './clusterStatus.js';

// The shape EFM's docs show for `efm cluster-status-json` (5.x, "lsn" keys).
const HEALTHY = JSON.stringify({
  nodes: {
    '10.33.48.228': { type: 'Witness', db: 'N/A', vip: '', vip_active: false },
    '10.33.48.226': { type: 'Primary', db: 'UP', vip: '', vip_active: false, lsn: '0/14001478' },
    '10.33.48.227': { type: 'Standby', db: 'UP', vip: '', vip_active: false, lsnReceive: '0/14001478', lsn: '0/14001478' },
  },
  allowednodes: ['10.33.48.226', '10.33.48.227', '10.33.48.228'],
  membershipcoordinator: '10.33.48.226',
  failoverpriority: ['10.33.48.227'],
  minimumstandbys: 0,
  missingnodes: [],
  messages: [],
});

describe('efm cluster-status commands', () => {
  it('run the version’s efm with the cluster name', () => {
    const c = defaultLayout();
    expect(efmClusterStatusCommand(c).argv).toEqual(['/usr/edb/efm-4.9/bin/efm', 'cluster-status', 'efm1']);
    expect(efmClusterStatusJsonCommand(c).argv).toEqual(['/usr/edb/efm-4.9/bin/efm', 'cluster-status-json', 'efm1']);
    expect(efmClusterStatusJsonCommand(c).secret).toBe(false);
  });
});

describe('parseClusterStatusJson', () => {
  it('reads nodes, priority list and missing nodes', () => {
    const s = parseClusterStatusJson(HEALTHY);
    expect(Object.keys(s.nodes)).toHaveLength(3);
    expect(s.nodes['10.33.48.227']?.type).toBe('Standby');
    expect(s.nodes['10.33.48.227']?.['lsnReceive']).toBe('0/14001478');
    expect(s.failoverpriority).toEqual(['10.33.48.227']);
    expect(s.missingnodes).toEqual([]);
    expect(efmPrimaries(s)).toEqual(['10.33.48.226']);
  });
  it('rejects output that is not a status', () => {
    expect(() => parseClusterStatusJson('Could not contact agent')).toThrow(/not JSON/);
    expect(() => parseClusterStatusJson('{"messages": []}')).toThrow(/no "nodes"/);
    expect(() => parseClusterStatusJson('{"nodes": {"1.2.3.4": {"db": "UP"}}}')).toThrow(/1\.2\.3\.4 has no "type"/);
  });
});
