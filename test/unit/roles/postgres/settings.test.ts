import { describe, expect, it } from 'vitest';
import { parseConfFile, planSettingsChange } from '../../../../src/products/postgres/gucContext.js';
import { confDFiles, defaultSettings, formatGucValue, m1Settings, postgresqlConf, sharedPreloadLibraries } from '../../../../src/products/postgres/settings.js';
import { byName, defaultCluster, twoLocationCluster } from '../fixtures.js';

const MEM = 8192;
/** repmgr's preload library: the fixtures are repmgr clusters. */
const LIBS = ['repmgr'];

function files(c = defaultCluster(), host = 'alpha') {
  const out = confDFiles({ cluster: c, instance: byName(c, host), memoryMb: MEM, managerLibraries: LIBS });
  return Object.fromEntries(out.map((f) => [f.path.split('/').pop()!, f]));
}

describe('formatGucValue', () => {
  it('quotes strings, escaping quotes and backslashes; booleans on/off; numbers bare', () => {
    expect(formatGucValue("it's")).toBe("'it''s'");
    expect(formatGucValue('C:\\dir')).toBe("'C:\\\\dir'");
    expect(formatGucValue(true)).toBe('on');
    expect(formatGucValue(false)).toBe('off');
    expect(formatGucValue(0.9)).toBe('0.9');
    expect(() => formatGucValue('a\nb')).toThrow(/line breaks/);
  });
});

describe('defaultSettings', () => {
  it('sizes memory from the host: 25% shared_buffers, 50% effective_cache_size', () => {
    const c = defaultCluster();
    const s = defaultSettings({ cluster: c, instance: byName(c, 'alpha'), memoryMb: MEM, managerLibraries: LIBS });
    expect(s['shared_buffers']).toBe('2048MB');
    expect(s['effective_cache_size']).toBe('4096MB');
  });

  it('sizes replication from the number of Postgres nodes, never below the server defaults', () => {
    const c = twoLocationCluster();
    const s = defaultSettings({ cluster: c, instance: byName(c, 'alpha'), memoryMb: MEM, managerLibraries: LIBS });
    expect(s['max_wal_senders']).toBe(10);
    expect(s['max_replication_slots']).toBe(11);
    expect(s['max_worker_processes']).toBe(16);
  });

  it('caps the WAL a replication slot holds (8GB) from PostgreSQL 13, which introduced the setting', () => {
    const c = defaultCluster();
    const s15 = defaultSettings({ cluster: c, instance: byName(c, 'alpha'), memoryMb: MEM, managerLibraries: LIBS });
    expect(s15['max_slot_wal_keep_size']).toBe('8GB');
    const c12 = { ...c, postgresVersion: 12 as const };
    const s12 = defaultSettings({ cluster: c12, instance: byName(c12, 'alpha'), memoryMb: MEM, managerLibraries: LIBS });
    expect(s12).not.toHaveProperty('max_slot_wal_keep_size');
  });

  it('names the cluster after the host and points TLS at its own certificate', () => {
    const c = defaultCluster();
    const s = defaultSettings({ cluster: c, instance: byName(c, 'beta'), memoryMb: MEM, managerLibraries: LIBS });
    expect(s['cluster_name']).toBe('beta');
    expect(s['ssl_cert_file']).toBe('/etc/m1/ssl/beta.crt');
    expect(s['ssl_key_file']).toBe('/etc/m1/ssl/beta.key');
  });
});

describe('shared_preload_libraries', () => {
  it('pg_stat_statements, then the failover manager\'s libraries', () => {
    const c = defaultCluster();
    expect(sharedPreloadLibraries(c, byName(c, 'alpha'), LIBS)).toEqual(['pg_stat_statements', 'repmgr']);
    expect(sharedPreloadLibraries(c, byName(c, 'alpha'), [])).toEqual(['pg_stat_statements']);
  });
  it('adds libraries named in postgres_conf_settings without losing the manager\'s', () => {
    const c = defaultCluster({ postgres_conf_settings: { shared_preload_libraries: 'auto_explain, repmgr' } });
    expect(sharedPreloadLibraries(c, byName(c, 'alpha'), LIBS)).toEqual(['pg_stat_statements', 'repmgr', 'auto_explain']);
    expect(files(c)['9900-postgres_conf_settings.conf']!.content).not.toContain('shared_preload_libraries');
  });
});

describe('confDFiles', () => {
  it('puts restart-context defaults in 0001 and the rest in 0000', () => {
    const f = files();
    const reload = parseConfFile(f['0000-tpa.conf']!.content);
    const restart = parseConfFile(f['0001-tpa_restart.conf']!.content);
    expect(restart['shared_buffers']).toBe("'2048MB'");
    expect(restart['shared_preload_libraries']).toBe("'pg_stat_statements,repmgr'");
    expect(restart['wal_level']).toBe("'logical'");
    expect(restart['archive_mode']).toBe('on');
    expect(reload['work_mem']).toBe("'16MB'");
    expect(reload['ssl']).toBe('on');
    expect(reload['password_encryption']).toBe("'scram-sha-256'");
    expect(reload['shared_buffers']).toBeUndefined();
    expect(restart['work_mem']).toBeUndefined();
  });

  it('lets a same-named variable override a default (instance over cluster)', () => {
    const c = defaultCluster({ work_mem: '32MB', max_connections: 300 });
    byName(c, 'beta').vars['work_mem'] = '64MB';
    expect(parseConfFile(files(c, 'alpha')['0000-tpa.conf']!.content)['work_mem']).toBe("'32MB'");
    expect(parseConfFile(files(c, 'beta')['0000-tpa.conf']!.content)['work_mem']).toBe("'64MB'");
    expect(parseConfFile(files(c, 'beta')['0001-tpa_restart.conf']!.content)['max_connections']).toBe('300');
  });

  it('writes postgres_conf_settings from cluster_vars merged with the instance vars', () => {
    const c = defaultCluster({ postgres_conf_settings: { jit: false, 'auto_explain.log_min_duration': '1s', work_mem: '8MB' } });
    byName(c, 'alpha').vars['postgres_conf_settings'] = { work_mem: '128MB' };
    const custom = parseConfFile(files(c)['9900-postgres_conf_settings.conf']!.content);
    expect(custom).toEqual({ 'auto_explain.log_min_duration': "'1s'", jit: 'off', work_mem: "'128MB'" });
    expect(parseConfFile(files(c, 'beta')['9900-postgres_conf_settings.conf']!.content)['work_mem']).toBe("'8MB'");
  });

  it('refuses a setting name that is not one, naming the key', () => {
    const c = defaultCluster({ postgres_conf_settings: { 'bad name': 1 } });
    expect(() => files(c)).toThrow(/postgres_conf_settings\.bad name: not a setting name/);
  });

  it('creates 9999-override.conf only once', () => {
    expect(files()['9999-override.conf']).toMatchObject({ createOnly: true, path: '/opt/postgres/data/conf.d/9999-override.conf' });
    expect(files()['0000-tpa.conf']!.createOnly).toBe(false);
  });

  it('renders the same files for the same input (a redeploy changes nothing)', () => {
    expect(files()).toEqual(files());
  });

  it('a changed reload setting in config.yml plans a reload only', () => {
    const before = files();
    const after = files(defaultCluster({ log_min_duration_statement: '1s' }));
    const plan = planSettingsChange(
      { ...parseConfFile(before['0000-tpa.conf']!.content), ...parseConfFile(before['0001-tpa_restart.conf']!.content) },
      { ...parseConfFile(after['0000-tpa.conf']!.content), ...parseConfFile(after['0001-tpa_restart.conf']!.content) },
      15,
    );
    expect(plan).toMatchObject({ action: 'reload', changed: ['log_min_duration_statement'] });
  });

  it('m1Settings refuses a non-scalar override', () => {
    const c = defaultCluster({ work_mem: ['a'] });
    expect(() => m1Settings({ cluster: c, instance: byName(c, 'alpha'), memoryMb: MEM, managerLibraries: LIBS })).toThrow(/cluster_vars\.work_mem: expected a string, number or boolean, got a list/);
  });
});

describe('postgresqlConf', () => {
  it('only includes conf.d', () => {
    expect(postgresqlConf()).toMatch(/^include_dir = 'conf\.d'$/m);
  });
});
