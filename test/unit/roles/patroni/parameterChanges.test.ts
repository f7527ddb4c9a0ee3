import { describe, expect, it } from 'vitest';
import {
  classifyParameterChanges,
  parameterChanges,
  parsePgSettingsContext,
} from '../../../../src/products/patroni/parameterChanges.js';

describe('parameter changes', () => {
  it('lists added, changed and removed parameters, not equal readings', () => {
    const changes = parameterChanges(
      { work_mem: '4MB', jit: 'on', max_connections: 250, old: 'x' },
      { work_mem: '8MB', jit: true, max_connections: '250', shared_buffers: '1GB' },
    );
    expect(changes).toEqual([
      { name: 'old', from: 'x' },
      { name: 'shared_buffers', to: '1GB' },
      { name: 'work_mem', from: '4MB', to: '8MB' },
    ]);
  });
});

describe('reload vs restart', () => {
  it('a reload-only change needs no restart', () => {
    const c = classifyParameterChanges(parameterChanges({ work_mem: '4MB' }, { work_mem: '8MB', log_min_duration_statement: '1s' }), 15);
    expect(c.reload).toEqual(['log_min_duration_statement', 'work_mem']);
    expect(c.restart).toEqual([]);
    expect(c.mayNeedRestart).toBe(false);
  });

  it('a postmaster setting needs a restart, replicas first', () => {
    const c = classifyParameterChanges(parameterChanges({ shared_buffers: '128MB', work_mem: '4MB' }, { shared_buffers: '256MB', work_mem: '8MB' }), 15);
    expect(c.restart).toEqual(['shared_buffers']);
    expect(c.reload).toEqual(['work_mem']);
    expect(c.mayNeedRestart).toBe(true);
    expect(c.order).toBe('replicas-first');
  });

  it('raising max_connections restarts replicas first, lowering it the leader first', () => {
    expect(classifyParameterChanges(parameterChanges({ max_connections: 250 }, { max_connections: 300 }), 15).order).toBe('replicas-first');
    const down = classifyParameterChanges(parameterChanges({ max_connections: 250 }, { max_connections: 200 }), 15);
    expect(down.order).toBe('leader-first');
    expect(down.lowered).toEqual(['max_connections']);
  });

  it("removing max_worker_processes from the DCS goes back to Patroni's default 8", () => {
    expect(classifyParameterChanges(parameterChanges({ max_worker_processes: 16 }, {}), 15).order).toBe('leader-first');
    expect(classifyParameterChanges(parameterChanges({ max_worker_processes: 4 }, {}), 15).order).toBe('replicas-first');
  });

  it('raising one hot-standby minimum while lowering another cannot be ordered', () => {
    const c = classifyParameterChanges(parameterChanges({ max_connections: 250, max_wal_senders: 10 }, { max_connections: 300, max_wal_senders: 5 }), 15);
    expect(c.order).toBe('conflict');
    expect(c.raised).toEqual(['max_connections']);
    expect(c.lowered).toEqual(['max_wal_senders']);
  });

  it('the live pg_settings context wins; without it the postgres role table decides per version', () => {
    const live = parsePgSettingsContext('pg_stat_statements.max|postmaster\npg_stat_statements.track|superuser\nauto_explain.log_min_duration|superuser\nwork_mem|user\n');
    const changes = parameterChanges({}, { 'pg_stat_statements.max': 10000, 'pg_stat_statements.track': 'all', 'auto_explain.log_min_duration': '1s' });
    const withLive = classifyParameterChanges(changes, 15, live);
    expect(withLive.restart).toEqual(['pg_stat_statements.max']);
    expect(withLive.reload).toEqual(['auto_explain.log_min_duration', 'pg_stat_statements.track']);
    // Table: unknown extension settings count as restart (Patroni restarts only what it flags).
    const table = classifyParameterChanges(changes, 15);
    expect(table.restart).toEqual(['auto_explain.log_min_duration', 'pg_stat_statements.max']);
    expect(table.reload).toEqual(['pg_stat_statements.track']);
  });

  it('follows the version: restore_command needs a restart before 15 only', () => {
    const changes = parameterChanges({}, { restore_command: 'cp x y' });
    expect(classifyParameterChanges(changes, 14).restart).toEqual(['restore_command']);
    expect(classifyParameterChanges(changes, 15).reload).toEqual(['restore_command']);
  });
});
