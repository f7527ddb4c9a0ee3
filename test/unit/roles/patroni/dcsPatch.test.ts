import { describe, expect, it } from 'vitest';
import { applyDcsPatch, dcsConfigPatch } from '../../../../src/products/patroni/dcsPatch.js';
import { patroniDynamicConfig } from '../../../../src/products/patroni/dynamicConfig.js';
import { jsonEqual, type JsonObject } from '../../../../src/products/patroni/json.js';
import { patroniCluster } from './fixture.js';

/** What GET /config answers after Patroni bootstrapped from our bootstrap.dcs (JSON round trip). */
function live(config: JsonObject): JsonObject {
  return JSON.parse(JSON.stringify(config));
}

const desired = patroniDynamicConfig(patroniCluster());

describe('DCS config patch', () => {
  it('is undefined when the DCS already holds the desired config (no-op redeploy)', () => {
    expect(dcsConfigPatch(live(desired), desired)).toBeUndefined();
  });

  it('ignores representation differences Postgres and Patroni do not see', () => {
    const current = live(desired);
    const p = (current.postgresql as any).parameters;
    p.max_connections = '250'; // string vs number
    p.hot_standby_feedback = 'true'; // on == true
    p.archive_mode = 'ON';
    (current as any).ttl = '20';
    expect(dcsConfigPatch(current, desired)).toBeUndefined();
  });

  it('holds only the changed parameter, nested as in the config', () => {
    const want = patroniDynamicConfig(patroniCluster({ clusterVars: { postgres_conf_settings: { work_mem: '64MB' } } }));
    const current = live(desired);
    expect(dcsConfigPatch(current, want)).toEqual({ postgresql: { parameters: { work_mem: '64MB' } } });
  });

  it('deletes a parameter removed from config.yml with null', () => {
    const before = patroniDynamicConfig(patroniCluster({ clusterVars: { postgres_conf_settings: { work_mem: '64MB' } } }));
    expect(dcsConfigPatch(live(before), desired)).toEqual({ postgresql: { parameters: { work_mem: null } } });
  });

  it('leaves keys m1 does not own alone (patronictl pause, a hand-set pg_hba)', () => {
    const current = { ...live(desired), pause: true, postgresql: { ...(live(desired).postgresql as JsonObject), pg_hba: ['x'] } };
    expect(dcsConfigPatch(current, desired)).toBeUndefined();
  });

  it('owns synchronous_mode: a hand-set one goes back to what synchronous_replication says; on and strict set it', () => {
    const current = { ...live(desired), synchronous_mode: true };
    expect(dcsConfigPatch(current, desired)).toEqual({ synchronous_mode: false });
    const strict = patroniDynamicConfig(patroniCluster({ clusterVars: { synchronous_replication: 'strict' } }));
    expect(dcsConfigPatch(live(desired), strict)).toEqual({ synchronous_mode: true, synchronous_mode_strict: true });
    const on = patroniDynamicConfig(patroniCluster({ clusterVars: { synchronous_replication: 'on' } }));
    expect(dcsConfigPatch(live(desired), on)).toEqual({ synchronous_mode: true });
  });

  it("removes a former member's permanent slot and adds a new one", () => {
    const current = live(desired);
    (current.slots as JsonObject).oldnode = { type: 'physical' };
    delete (current.slots as JsonObject).kaftan;
    expect(dcsConfigPatch(current, desired)).toEqual({ slots: { kaftan: { type: 'physical' }, oldnode: null } });
  });

  it('replaces ignore_slots as a whole when it differs (lists are not merged by Patroni)', () => {
    const current = live(desired);
    current.ignore_slots = [];
    expect(dcsConfigPatch(current, desired)).toEqual({ ignore_slots: [{ name: 'backup_kaolin', type: 'physical' }] });
  });

  it("a DCS seeded without our keys (Patroni's default timing) gets all of them, m1's timing among them", () => {
    const current: JsonObject = { ttl: 30, loop_wait: 10, retry_timeout: 10, maximum_lag_on_failover: 1048576, postgresql: { use_pg_rewind: true, use_slots: true, parameters: {} } };
    const patch = dcsConfigPatch(current, desired)!;
    // Patroni's default loop_wait is m1's: only what differs is sent.
    expect(Object.keys(patch).sort()).toEqual(['ignore_slots', 'postgresql', 'retry_timeout', 'slots', 'synchronous_mode', 'synchronous_mode_strict', 'ttl']);
    expect([patch.ttl, patch.retry_timeout]).toEqual([20, 5]);
    expect(Object.keys(patch.postgresql as JsonObject)).toEqual(['parameters']);
  });

  it('applied as Patroni applies it, gives the desired config (and is then empty)', () => {
    const current = live(patroniDynamicConfig(patroniCluster({ clusterVars: { postgres_conf_settings: { work_mem: '64MB', max_connections: 300 } } })));
    (current.slots as JsonObject).gone = { type: 'physical' };
    current.pause = true;
    const patch = dcsConfigPatch(current, desired)!;
    const after = applyDcsPatch(current, patch);
    const { pause, ...rest } = after;
    expect(pause).toBe(true);
    expect(jsonEqual(rest, live(desired))).toBe(true);
    expect(dcsConfigPatch(after, desired)).toBeUndefined();
  });

  it('an explicit null in the desired config deletes a live key', () => {
    expect(dcsConfigPatch({ synchronous_mode: true }, { synchronous_mode: null })).toEqual({ synchronous_mode: null });
    expect(dcsConfigPatch({}, { synchronous_mode: null })).toBeUndefined();
  });
});
