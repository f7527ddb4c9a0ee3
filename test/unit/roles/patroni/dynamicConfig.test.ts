import { describe, expect, it } from 'vitest';
import { patroniDynamicConfig } from '../../../../src/products/patroni/dynamicConfig.js';
import { patroniCluster } from './fixture.js';

describe('DCS configuration', () => {
  const config = patroniDynamicConfig(patroniCluster());

  it("has TPA's timing and lag limit", () => {
    expect(config).toMatchObject({ ttl: 20, loop_wait: 8, retry_timeout: 6, maximum_lag_on_failover: 1048576 });
    // Patroni's own rule, so that a leader cut off from the DCS demotes itself before its key expires.
    expect(Number(config['loop_wait']) + 2 * Number(config['retry_timeout'])).toBeLessThanOrEqual(Number(config['ttl']));
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
