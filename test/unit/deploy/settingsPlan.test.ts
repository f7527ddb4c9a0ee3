import { describe, expect, it } from 'vitest';
import type { GatheredHost } from '../../../playbooks/deploy/gather.js';
import { planSettings, wantedSettings } from '../../../playbooks/deploy/settingsPlan.js';
import { confDFiles } from '../../../src/products/postgres/settings.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { defaultCluster } from '../roles/fixtures.js';

const MEM = 2048;
/** repmgr's preload library: the fixtures are repmgr clusters. */
const LIBS = ['repmgr'];

/** A running host whose conf.d files are what m1 writes for `cluster`. */
function converged(cluster: Cluster, host: string): GatheredHost {
  const instance = cluster.instances.find((i) => i.name === host)!;
  const confFiles: Record<string, string> = {};
  for (const f of confDFiles({ cluster, instance, memoryMb: MEM, managerLibraries: LIBS })) confFiles[f.path.slice(f.path.lastIndexOf('/') + 1)] = f.content;
  return { memoryMb: MEM, node: { dataDirectory: '/opt/postgres/data', inRecovery: host !== 'alpha' }, confFiles };
}

function gatheredFor(cluster: Cluster) {
  return Object.fromEntries(cluster.instances.map((i) => [i.name, converged(cluster, i.name)]));
}

const live = { primary: 'alpha', upstreams: { beta: 'alpha' } };

describe('settings plan before the run', () => {
  it('a converged cluster needs nothing', () => {
    const c = defaultCluster();
    expect(planSettings(c, live, gatheredFor(c), LIBS)).toEqual({ hosts: [], restartOrder: [], problems: [] });
  });

  it('a reload-only setting reloads, restarts nobody', () => {
    const before = gatheredFor(defaultCluster());
    const plan = planSettings(defaultCluster({ postgres_conf_settings: { work_mem: '32MB' } }), live, before, LIBS);
    expect(plan.hosts.map((h) => [h.host, h.change.action])).toEqual([['alpha', 'reload'], ['beta', 'reload'], ['gamma', 'reload']]);
    expect(plan.restartOrder).toEqual([]);
  });

  it('a restart setting restarts replicas and the witness before the primary', () => {
    const before = gatheredFor(defaultCluster());
    const plan = planSettings(defaultCluster({ max_connections: 300 }), live, before, LIBS);
    expect(plan.restartOrder).toEqual(['beta', 'gamma', 'alpha']);
  });

  it('lowering max_connections restarts the primary first', () => {
    const before = gatheredFor(defaultCluster());
    const plan = planSettings(defaultCluster({ max_connections: 100 }), live, before, LIBS);
    expect(plan.restartOrder).toEqual(['alpha', 'beta', 'gamma']);
  });

  it('the live primary, not config.yml’s, restarts last', () => {
    const before = gatheredFor(defaultCluster());
    const plan = planSettings(defaultCluster({ max_connections: 300 }), { primary: 'beta', upstreams: { alpha: 'beta' } }, before, LIBS);
    expect(plan.restartOrder).toEqual(['alpha', 'gamma', 'beta']);
  });

  it('hosts not running are started, not planned', () => {
    const c = defaultCluster({ max_connections: 300 });
    const before = gatheredFor(defaultCluster());
    before.beta = { memoryMb: MEM, confFiles: before.beta!.confFiles };
    expect(planSettings(c, live, before, LIBS).restartOrder).toEqual(['gamma', 'alpha']);
  });

  it('merges conf.d in PostgreSQL’s order: postgres_conf_settings wins', () => {
    const c = defaultCluster({ postgres_conf_settings: { work_mem: '64MB' } });
    expect(wantedSettings(c, 'alpha', MEM, LIBS)['work_mem']).toBe("'64MB'");
  });

  it('refuses a change that lowers one standby-sensitive setting and raises another', () => {
    const before = gatheredFor(defaultCluster());
    const plan = planSettings(defaultCluster({ max_connections: 100, max_wal_senders: 40 }), live, before, LIBS);
    expect(plan.problems[0]).toMatch(/two separate runs/);
  });
});
