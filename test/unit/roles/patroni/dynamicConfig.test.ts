import { describe, expect, it } from 'vitest';
import { patroniDynamicConfig } from '../../../../src/products/patroni/dynamicConfig.js';
import { VARIABLES } from '../../../../src/config/variables.js';
import { patroniCluster } from './fixture.js';

describe('DCS configuration', () => {
  const config = patroniDynamicConfig(patroniCluster());

  it('has the failover timing and lag limit', () => {
    expect(config).toMatchObject({ ttl: 20, loop_wait: 10, retry_timeout: 5, maximum_lag_on_failover: 1048576 });
    const [ttl, loopWait, retry] = [Number(config['ttl']), Number(config['loop_wait']), Number(config['retry_timeout'])];
    // Patroni's own rule, so that a leader cut off from the DCS demotes itself before its key expires.
    expect(loopWait + 2 * retry).toBeLessThanOrEqual(ttl);
    // 20 s is the least ttl Patroni's documentation allows.
    expect(ttl).toBeGreaterThanOrEqual(20);
    // A dead leader's key expires (ttl - loop_wait) to ttl after the fault, then the replica gives it 2 s: 17 s on average.
    expect(ttl - loopWait / 2 + 2).toBeLessThanOrEqual(17);
    // An etcd election (one to two election timeouts) must not demote the leader.
    expect(retry * 1000).toBeGreaterThanOrEqual(2 * VARIABLES.etcd_election_timeout.default);
  });

  it('uses pg_rewind and slots, with the cluster parameters', () => {
    expect(config.postgresql).toMatchObject({ use_pg_rewind: true, use_slots: true });
    expect((config.postgresql as { parameters: Record<string, unknown> }).parameters.max_connections).toBe(250);
  });

  it('makes a permanent physical slot per member and nothing else', () => {
    expect(config.slots).toEqual({ kaboom: { type: 'physical' }, kaftan: { type: 'physical' } });
  });

  it("ignores Barman's slot so Patroni never drops it", () => {
    expect(config.ignore_slots).toEqual([{ name: 'backup_kaolin', type: 'physical' }]);
  });

  it('patroni_rewind_enabled false turns pg_rewind off', () => {
    const c = patroniDynamicConfig(patroniCluster({ clusterVars: { patroni_rewind_enabled: false } }));
    expect((c.postgresql as { use_pg_rewind: boolean }).use_pg_rewind).toBe(false);
  });

  it('patroni_dynamic_conf_settings merges in, null deleting', () => {
    const c = patroniDynamicConfig(
      patroniCluster({ clusterVars: { patroni_dynamic_conf_settings: { synchronous_mode: true, maximum_lag_on_failover: null, postgresql: { parameters: { work_mem: '8MB' } } } } }),
    );
    expect(c.synchronous_mode).toBe(true);
    expect('maximum_lag_on_failover' in c).toBe(false);
    expect((c.postgresql as { parameters: Record<string, unknown>; use_slots: boolean }).parameters.work_mem).toBe('8MB');
    expect((c.postgresql as { use_slots: boolean }).use_slots).toBe(true);
  });
});
