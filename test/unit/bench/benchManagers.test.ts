import { afterEach, describe, expect, it } from 'vitest';
import { benchEach, benchedManagers } from '../../../playbooks/bench/benchCluster.js';

const saved = process.env['M1_BENCH_FM'];
afterEach(() => {
  if (saved === undefined) delete process.env['M1_BENCH_FM'];
  else process.env['M1_BENCH_FM'] = saved;
});

describe('which failover managers a bench runs', () => {
  it('M1_BENCH_FM names one, all names every one, unset takes the bench default; another name is a usage error', () => {
    delete process.env['M1_BENCH_FM'];
    expect(benchedManagers(['repmgr', 'patroni'], 'repmgr')).toEqual(['repmgr']);
    process.env['M1_BENCH_FM'] = 'all';
    expect(benchedManagers(['repmgr', 'patroni'], 'repmgr')).toEqual(['repmgr', 'patroni']);
    process.env['M1_BENCH_FM'] = 'efm';
    expect(() => benchedManagers(['repmgr', 'patroni'], 'repmgr')).toThrow('M1_BENCH_FM=efm: one of repmgr, patroni or all');
  });

  it('a manager whose bench fails becomes a result naming its error; the next still runs', async () => {
    const logged: string[] = [];
    const results = await benchEach(['repmgr', 'patroni'], async (fm) => {
      if (fm === 'repmgr') throw new Error('deploy failed');
      return { failover_manager: fm, runs: [] };
    }, (l) => logged.push(l));
    expect(results).toEqual([{ failover_manager: 'repmgr', error: 'deploy failed' }, { failover_manager: 'patroni', runs: [] }]);
    expect(logged).toEqual(['repmgr: deploy failed']);
  });
});
