import { describe, expect, it } from 'vitest';
import { parseConfFile, planSettingsChange, postmasterSettings, settingContext } from '../../../../src/products/postgres/gucContext.js';

describe('settingContext', () => {
  it('classifies PostgreSQL 15 settings as the server does', () => {
    expect(settingContext('shared_buffers', 15)).toBe('restart');
    expect(settingContext('max_connections', 15)).toBe('restart');
    expect(settingContext('shared_preload_libraries', 15)).toBe('restart');
    expect(settingContext('wal_level', 15)).toBe('restart');
    expect(settingContext('work_mem', 15)).toBe('reload');
    expect(settingContext('ssl', 15)).toBe('reload');
    expect(settingContext('archive_command', 15)).toBe('reload');
    expect(settingContext('Log_Min_Duration_Statement', 15)).toBe('reload');
  });

  it('follows the version: restore_command reloadable from 15, primary_conninfo from 13', () => {
    expect(settingContext('restore_command', 14)).toBe('restart');
    expect(settingContext('restore_command', 15)).toBe('reload');
    expect(settingContext('primary_conninfo', 12)).toBe('restart');
    expect(settingContext('primary_conninfo', 13)).toBe('reload');
  });

  it('knows settings added and removed by later versions', () => {
    expect(postmasterSettings(16).has('reserved_connections')).toBe(true);
    expect(postmasterSettings(15).has('reserved_connections')).toBe(false);
    expect(postmasterSettings(16).has('old_snapshot_threshold')).toBe(true);
    expect(postmasterSettings(17).has('old_snapshot_threshold')).toBe(false);
    expect(postmasterSettings(17).has('transaction_buffers')).toBe(true);
    expect(postmasterSettings(11).has('recovery_target_time')).toBe(false);
  });

  it('treats unknown extension settings as needing a restart, known reloadable ones not', () => {
    expect(settingContext('pg_stat_statements.max', 15)).toBe('restart');
    expect(settingContext('someext.thing', 15)).toBe('restart');
    expect(settingContext('pg_stat_statements.track', 15)).toBe('reload');
  });
});

describe('planSettingsChange', () => {
  const base = { max_connections: '250', work_mem: "'16MB'", shared_buffers: "'1024MB'" };

  it('nothing changed: nothing to do', () => {
    expect(planSettingsChange(base, { ...base }, 15)).toMatchObject({ action: 'none', changed: [], primaryFirst: false });
  });

  it('a reload-context change only reloads', () => {
    const p = planSettingsChange(base, { ...base, work_mem: "'32MB'" }, 15);
    expect(p).toMatchObject({ action: 'reload', changed: ['work_mem'], restartFor: [], primaryFirst: false });
  });

  it('a restart-context change restarts, replicas first', () => {
    const p = planSettingsChange(base, { ...base, shared_buffers: "'2048MB'", work_mem: "'8MB'" }, 15);
    expect(p).toMatchObject({ action: 'restart', restartFor: ['shared_buffers'], primaryFirst: false });
  });

  it('raising max_connections restarts replicas first', () => {
    const p = planSettingsChange(base, { ...base, max_connections: '300' }, 15);
    expect(p).toMatchObject({ action: 'restart', raised: ['max_connections'], lowered: [], primaryFirst: false });
    expect(p.problem).toBeUndefined();
  });

  it('lowering any of the five standby-sensitive settings restarts the primary first', () => {
    for (const name of ['max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction']) {
      const p = planSettingsChange({ [name]: '100' }, { [name]: '50' }, 15);
      expect(p).toMatchObject({ action: 'restart', lowered: [name], primaryFirst: true });
    }
  });

  it('lowering another restart setting (shared_buffers) does not', () => {
    const p = planSettingsChange(base, { ...base, shared_buffers: "'512MB'" }, 15);
    expect(p.primaryFirst).toBe(false);
  });

  it('removing one of the five from the files counts as lowering (the default is unknown here)', () => {
    const p = planSettingsChange({ max_wal_senders: '20' }, {}, 15);
    expect(p).toMatchObject({ lowered: ['max_wal_senders'], primaryFirst: true });
  });

  it('lowering one and raising another at once is a problem with a way out', () => {
    const p = planSettingsChange({ max_connections: '250', max_wal_senders: '10' }, { max_connections: '200', max_wal_senders: '20' }, 15);
    expect(p.problem).toMatch(/lowers max_connections and raises max_wal_senders.*two separate runs/);
  });
});

describe('parseConfFile', () => {
  it('reads name = value lines as written', () => {
    const text = "# comment\n\nwork_mem = '16MB'\nport = 5432 # trailing\nlog_line_prefix = '%t [%p] # not a comment'\n";
    expect(parseConfFile(text)).toEqual({ work_mem: "'16MB'", port: '5432', log_line_prefix: "'%t [%p] # not a comment'" });
  });
});
