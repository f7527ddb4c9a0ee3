import { describe, expect, it } from 'vitest';
import { RefusedError } from '../../../errors.js';
import { byName, cascadedLayout, defaultLayout } from '../../../../test/unit/roles/efm/clusters.js';
import { parseClusterStatusJson } from './clusterStatus.js';
import { efmPromoteSwitchoverCommand, efmSetPriorityCommand, refuseEfmSwitchoverTarget, switchoverDone } from './switchover.js';

describe('EFM switchover commands', () => {
  it('set-priority puts the target first, promote -switchover swaps roles', () => {
    const c = defaultLayout({ efm_version: '5.2' });
    expect(efmSetPriorityCommand(c, '10.33.48.227').argv).toEqual(['/usr/edb/efm-5.2/bin/efm', 'set-priority', 'efm1', '10.33.48.227', '1']);
    expect(efmSetPriorityCommand(c, 'quack', 0).argv.slice(-2)).toEqual(['quack', '0']);
    expect(efmPromoteSwitchoverCommand(c).argv).toEqual(['/usr/edb/efm-5.2/bin/efm', 'promote', 'efm1', '-switchover']);
    expect(efmPromoteSwitchoverCommand(c).user).toBe('efm');
  });
  it('refuses addresses and priorities that are not', () => {
    const c = defaultLayout();
    expect(() => efmSetPriorityCommand(c, '10.0.0.1; reboot')).toThrow(/not a host address/);
    expect(() => efmSetPriorityCommand(c, '10.0.0.1', -1)).toThrow(/bad priority/);
  });
  it('is done when EFM reports the target as Primary', () => {
    const status = parseClusterStatusJson(
      JSON.stringify({ nodes: { a: { type: 'Standby' }, b: { type: 'Primary' } } }),
    );
    expect(switchoverDone(status, 'b')).toBe(true);
    expect(switchoverDone(status, 'a')).toBe(false);
    expect(switchoverDone(status, 'c')).toBe(false);
  });
});

describe('refuseEfmSwitchoverTarget', () => {
  it('refuses a cascaded replica and the witness, accepts a replica of the primary', () => {
    const c = cascadedLayout();
    expect(() => refuseEfmSwitchoverTarget(c, byName(c, 'karakul'))).toThrow(RefusedError);
    expect(() => refuseEfmSwitchoverTarget(c, byName(c, 'karakul'))).toThrow(/streams from kaput/);
    expect(() => refuseEfmSwitchoverTarget(c, byName(c, 'kapok'))).toThrow(/witness/);
    expect(() => refuseEfmSwitchoverTarget(c, byName(c, 'kaput'))).not.toThrow();
  });
});
