import { describe, expect, it } from 'vitest';
import { boolVar, intVar, mergedMapVar, stringListVar, stringVar } from '../../../../src/config/vars.js';
import { byName, defaultCluster } from '../fixtures.js';

describe('variable readers', () => {
  it('an instance var wins over cluster_vars; unset means the fallback', () => {
    const c = defaultCluster({ repmgr_priority: 50 });
    const beta = byName(c, 'beta');
    beta.vars['repmgr_priority'] = 10;
    expect(intVar(c, beta, 'repmgr_priority', 100)).toBe(10);
    expect(intVar(c, byName(c, 'alpha'), 'repmgr_priority', 100)).toBe(50);
    expect(intVar(c, byName(c, 'alpha'), 'unset_thing', 100)).toBe(100);
  });

  it('booleans: unset is the fallback, yes/no words accepted, anything else names the key', () => {
    expect(boolVar(defaultCluster(), undefined, 'repmgr_redirect_pgbouncer', false)).toBe(false);
    expect(boolVar(defaultCluster({ repmgr_redirect_pgbouncer: 'yes' }), undefined, 'repmgr_redirect_pgbouncer', false)).toBe(true);
    expect(() => boolVar(defaultCluster({ repmgr_redirect_pgbouncer: 'maybe' }), undefined, 'repmgr_redirect_pgbouncer', false)).toThrow(
      /config\.yml cluster_vars\.repmgr_redirect_pgbouncer: expected true or false, got "maybe"/,
    );
  });

  it('integers are range-checked', () => {
    expect(() => intVar(defaultCluster({ n: 0 }), undefined, 'n', 1, 1, 9)).toThrow(/cluster_vars\.n: expected an integer from 1 to 9, got 0/);
    expect(intVar(defaultCluster({ n: '7' }), undefined, 'n', 1, 1, 9)).toBe(7);
  });

  it('strings and lists', () => {
    expect(stringVar(defaultCluster({ s: 5 }), undefined, 's')).toBe('5');
    expect(stringListVar(defaultCluster({ l: '10.0.0.0/8' }), undefined, 'l', [])).toEqual(['10.0.0.0/8']);
    expect(() => stringListVar(defaultCluster({ l: [1] }), undefined, 'l', [])).toThrow(/expected a list of strings/);
  });

  it('maps merge key by key, instance keys winning', () => {
    const c = defaultCluster({ postgres_conf_settings: { work_mem: '32MB', jit: 'off' } });
    const alpha = byName(c, 'alpha');
    alpha.vars['postgres_conf_settings'] = { work_mem: '64MB' };
    expect(mergedMapVar(c, alpha, 'postgres_conf_settings')).toEqual({ work_mem: '64MB', jit: 'off' });
    expect(mergedMapVar(c, byName(c, 'beta'), 'postgres_conf_settings')).toEqual({ work_mem: '32MB', jit: 'off' });
  });
});
