import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/errors.js';
import { dcsParameters, localParameters, m1DcsDefaultParameters } from '../../../../src/products/patroni/parameters.js';
import { instance, patroniCluster } from './fixture.js';

describe('DCS parameters', () => {
  it("carry the postgres role's values for what Patroni passes on the command line", () => {
    const p = m1DcsDefaultParameters(patroniCluster());
    // Without these, Patroni's own defaults (100, 10, 10, 8) would replace the role's on takeover.
    expect(p).toMatchObject({ max_connections: 250, max_wal_senders: 10, max_replication_slots: 10, max_worker_processes: 16, wal_level: 'logical', track_commit_timestamp: 'off' });
    expect(p).toMatchObject({ archive_mode: 'on', archive_command: '/bin/true', shared_preload_libraries: 'pg_stat_statements' });
    // Per-host and host-sized settings stay out of the DCS.
    for (const k of ['shared_buffers', 'cluster_name', 'port', 'ssl_cert_file', 'listen_addresses']) expect(p[k], k).toBeUndefined();
  });

  it('follow same-named config.yml variables, as the postgres role does', () => {
    expect(m1DcsDefaultParameters(patroniCluster({ clusterVars: { max_connections: 300 } })).max_connections).toBe(300);
  });

  it('keep pg_stat_statements when config.yml preloads another library', () => {
    const c = patroniCluster({ clusterVars: { postgres_conf_settings: { shared_preload_libraries: 'auto_explain' } } });
    expect(dcsParameters(c).shared_preload_libraries).toBe('pg_stat_statements,auto_explain');
  });

  it("are m1's defaults overridden by cluster_vars.postgres_conf_settings, booleans as on/off", () => {
    const c = patroniCluster({ clusterVars: { postgres_conf_settings: { max_connections: 300, work_mem: '32MB', log_connections: true, jit: false } } });
    const p = dcsParameters(c);
    expect(p.max_connections).toBe(300);
    expect(p.work_mem).toBe('32MB');
    expect(p.log_connections).toBe('on');
    expect(p.jit).toBe('off');
    expect(p.wal_level).toBe(m1DcsDefaultParameters(c).wal_level);
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
