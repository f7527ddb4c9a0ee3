import { describe, expect, it } from 'vitest';
import { PatroniPlanRefused } from '../../../../src/products/patroni/bootstrapPlan.js';
import { parseClusterJson } from '../../../../src/products/patroni/clusterStatus.js';
import { patroniDynamicConfig } from '../../../../src/products/patroni/dynamicConfig.js';
import type { JsonObject } from '../../../../src/products/patroni/json.js';
import { dcsSync, pendingRestartStages, settingsSteps } from '../../../../src/products/patroni/settingsPlan.js';
import { patroniCluster } from './fixture.js';

const cluster = patroniCluster();
const dcsOf = (settings: Record<string, unknown> = {}): JsonObject =>
  JSON.parse(JSON.stringify(patroniDynamicConfig(patroniCluster({ clusterVars: { postgres_conf_settings: settings } }))));

describe('settings through Patroni', () => {
  it('no change: nothing to send, nothing to restart', () => {
    const sync = dcsSync(dcsOf(), patroniDynamicConfig(cluster), 15);
    expect(sync.patch).toBeUndefined();
    expect(settingsSteps(cluster, 'kaboom', sync)).toEqual([]);
  });

  it('a reload-only change: one PATCH on the leader, no wait for restarts', () => {
    const sync = dcsSync(dcsOf(), dcsOf({ work_mem: '64MB' }), 15);
    const steps = settingsSteps(cluster, 'kaftan', sync);
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ kind: 'rest', host: 'kaftan', request: { method: 'PATCH', path: '/config', body: { postgresql: { parameters: { work_mem: '64MB' } } } } });
    expect(sync.classification.mayNeedRestart).toBe(false);
  });

  it('a restart-only change: PATCH, then wait for pending_restart on every member', () => {
    const sync = dcsSync(dcsOf(), dcsOf({ shared_buffers: '256MB' }), 15);
    const steps = settingsSteps(cluster, 'kaboom', sync);
    expect(steps.map((s) => s.kind)).toEqual(['rest', 'wait-pending-restart']);
    expect(steps[1]).toMatchObject({ members: ['kaboom', 'kaftan'], request: { path: '/cluster' } });
    expect(sync.classification.restart).toEqual(['shared_buffers']);
  });

  it('restarts the flagged replica, then the leader, each waited for', () => {
    const sync = dcsSync(dcsOf(), dcsOf({ shared_buffers: '256MB' }), 15);
    const status = parseClusterJson(
      JSON.stringify({
        members: [
          { name: 'kaboom', role: 'replica', state: 'running', pending_restart: true },
          { name: 'kaftan', role: 'leader', state: 'running', pending_restart: true },
        ],
      }),
    );
    const stages = pendingRestartStages(cluster, status, sync.classification);
    expect(stages.map((s) => s.steps.map((st) => `${st.host} ${st.kind} ${'request' in st ? st.request.path : ''}`))).toEqual([
      ['kaboom rest /restart', 'kaboom wait-rest /health'],
      ['kaftan rest /restart', 'kaftan wait-rest /health'],
    ]);
    const restart = stages[0]!.steps[0]!;
    expect(restart.kind === 'rest' && restart.request.body).toEqual({ restart_pending: true, timeout: 120 });
  });

  it('lowering max_connections restarts the leader first', () => {
    const sync = dcsSync(dcsOf(), dcsOf({ max_connections: 200 }), 15);
    const status = parseClusterJson(
      JSON.stringify({
        members: [
          { name: 'kaboom', role: 'leader', state: 'running', pending_restart: true },
          { name: 'kaftan', role: 'replica', state: 'running', pending_restart: true },
        ],
      }),
    );
    expect(pendingRestartStages(cluster, status, sync.classification).map((s) => s.steps[0]!.host)).toEqual(['kaboom', 'kaftan']);
  });

  it('refuses changes no restart order can apply, naming them', () => {
    expect(() => dcsSync(dcsOf(), dcsOf({ max_connections: 300, max_wal_senders: 5 }), 15)).toThrow(PatroniPlanRefused);
    expect(() => dcsSync(dcsOf(), dcsOf({ max_connections: 300, max_wal_senders: 5 }), 15)).toThrow(/raises max_connections and lowers max_wal_senders/);
  });
});
