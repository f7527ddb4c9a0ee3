import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import { dcsParameters, localParameters, M1_DCS_DEFAULT_PARAMETERS } from '../../../../roles/patroni/parameters.js';
import { instance, patroniCluster } from './fixture.js';

describe('DCS parameters', () => {
  it("are m1's defaults overridden by cluster_vars.postgres_conf_settings, booleans as on/off", () => {
    const c = patroniCluster({ clusterVars: { postgres_conf_settings: { max_connections: 300, work_mem: '32MB', log_connections: true, jit: false } } });
    const p = dcsParameters(c);
    expect(p.max_connections).toBe(300);
    expect(p.work_mem).toBe('32MB');
    expect(p.log_connections).toBe('on');
    expect(p.jit).toBe('off');
    expect(p.wal_level).toBe(M1_DCS_DEFAULT_PARAMETERS.wal_level);
    expect(Object.keys(p)).toEqual([...Object.keys(p)].sort());
  });

  it('refuse settings Patroni owns, naming the YAML path', () => {
    const c = patroniCluster({ clusterVars: { postgres_conf_settings: { port: 5433, primary_conninfo: 'host=x' } } });
    try {
      dcsParameters(c);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const paths = (e as ConfigError).problems.map((p) => p.path);
      expect(paths).toEqual(['cluster_vars.postgres_conf_settings.port', 'cluster_vars.postgres_conf_settings.primary_conninfo']);
    }
  });

  it('refuse a value Patroni would silently replace with its default', () => {
    for (const [k, v] of [['wal_level', 'minimal'], ['max_connections', 10], ['max_wal_senders', 2], ['wal_keep_size', '8MB']] as const) {
      const c = patroniCluster({ clusterVars: { postgres_conf_settings: { [k]: v } } });
      expect(() => dcsParameters(c), k).toThrow(/Patroni would ignore/);
    }
    const ok = patroniCluster({ clusterVars: { postgres_conf_settings: { wal_keep_size: '1GB', wal_level: 'replica' } } });
    expect(dcsParameters(ok).wal_keep_size).toBe('1GB');
  });
});

describe('local parameters', () => {
  it("are the instance's own settings, without those equal to the cluster's", () => {
    const c = patroniCluster({
      clusterVars: { postgres_conf_settings: { work_mem: '32MB' } },
      vars: { kaftan: { postgres_conf_settings: { work_mem: '32MB', effective_io_concurrency: 200, log_min_duration_statement: '1s' } } },
    });
    expect(localParameters(c, instance(c, 'kaftan'))).toEqual({ effective_io_concurrency: 200, log_min_duration_statement: '1s' });
    expect(localParameters(c, instance(c, 'kaboom'))).toEqual({});
  });

  it('refuse cluster-wide settings that Patroni drops from a local config', () => {
    const c = patroniCluster({ vars: { kaftan: { postgres_conf_settings: { max_connections: 500 } } } });
    expect(() => localParameters(c, instance(c, 'kaftan'))).toThrow(/cluster-wide only: set it in cluster_vars.postgres_conf_settings/);
  });
});
