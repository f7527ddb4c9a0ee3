import { describe, expect, it } from 'vitest';
import { ConfigError, RefusedError } from '../../../src/errors.js';
import { evaluateStatus } from '../../../playbooks/operate/health.js';
import { eachCluster, lastBackupAge, maxLagBytes, statusSummary, testSummary, worstExit } from '../../../playbooks/operate/manyClusters.js';
import { clusterRoutes } from '../../../playbooks/operate/routes.js';
import { ADDRESSES, HEALTHY, fiveNodes, probesFor, type LiveSpec } from './fixtures.js';

function status(live: LiveSpec, name = 'op') {
  const c = fiveNodes();
  const s = evaluateStatus({ cluster: c, probes: probesFor(c, live), addresses: ADDRESSES, routes: clusterRoutes(c) });
  return { ...s, cluster: name };
}

describe('several clusters at once', () => {
  it('reads every directory at once, each once however spelled, in the order given; a failure is that directory\'s outcome', async () => {
    const started: string[] = [];
    let running = 0;
    let most = 0;
    const out = await eachCluster(['a', 'b', './a', 'c'], async (dir) => {
      started.push(dir);
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      if (dir === 'b') throw new ConfigError([{ file: 'b/config.yml', path: 'cluster_vars', message: 'bad' }]);
      return dir.toUpperCase();
    });
    expect(started).toEqual(['a', 'b', 'c']);
    expect(most).toBe(3);
    expect(out.map((o) => ('error' in o ? `${o.dir}: ${o.error.message}` : `${o.dir}=${o.value}`))).toEqual(['a=A', 'b: b/config.yml cluster_vars: bad', 'c=C']);
  });

  it('exits with the worst: a degraded cluster 1, an unreadable config 2, a refusal 3, a bug 1', () => {
    const ok = { dir: 'a', value: 0 };
    const degraded = { dir: 'b', value: 1 };
    expect(worstExit([ok, ok], (v) => v)).toBe(0);
    expect(worstExit([ok, degraded], (v) => v)).toBe(1);
    expect(worstExit([degraded, { dir: 'c', error: new ConfigError([]) }], (v) => v)).toBe(2);
    expect(worstExit([ok, { dir: 'c', error: new RefusedError('locked') }], (v) => v)).toBe(3);
    expect(worstExit([ok, { dir: 'c', error: new TypeError('x is undefined') }], (v) => v)).toBe(1);
  });

  it('status: one line per cluster with its primary, health, largest lag and last backup; an unreadable directory says why', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const healthy = status({ ...HEALTHY, lag: { 'op-c': 4096, 'op-b': 10 } }, 'east');
    const stopped = status({ ...HEALTHY, stopped: ['op-c'] }, 'west');
    expect(maxLagBytes(healthy)).toBe(4096);
    const text = statusSummary(
      [
        { dir: 'clusters/east', value: healthy },
        { dir: 'clusters/west', value: stopped },
        { dir: 'clusters/north', error: new ConfigError([{ file: 'clusters/north/config.yml', path: '', message: 'not found' }]) },
      ],
      now,
    );
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^cluster +primary +health +max lag +last backup$/);
    expect(lines[1]).toMatch(/^east +op-a +healthy +4 kB +\d+ days ago$/);
    expect(lines[2]).toMatch(/^west +op-a +DEGRADED \(2 problems\)/);
    expect(lines[3]).toMatch(/^clusters\/north +NOT READ: clusters\/north\/config.yml: not found$/);
  });

  it('status: a cluster paused by m1 pause says so beside its health', () => {
    const paused = status({ ...HEALTHY, paused: ['op-a', 'op-b', 'op-c', 'op-d', 'op-e'] }, 'south');
    expect(statusSummary([{ dir: 'clusters/south', value: paused }]).split('\n')[1]).toMatch(/^south +op-a +healthy, failover PAUSED +/);
  });

  it('last backup: the newest over the Barman servers, "none" without a backup, empty without Barman', () => {
    const now = new Date('2026-12-06T12:00:00Z');
    const s = status(HEALTHY);
    s.barman = [
      { server: 'a', host: 'x', backups: 1, lastBackup: { id: '1', status: 'DONE', endTime: '2026-12-06 09:00:00' } },
      { server: 'b', host: 'y', backups: 1, lastBackup: { id: '2', status: 'DONE', endTime: '2026-12-06 11:30:00' } },
    ];
    expect(lastBackupAge(s, now)).toBe('30 min ago');
    s.barman = [{ server: 'a', host: 'x', backups: 0 }];
    expect(lastBackupAge(s, now)).toBe('none');
    s.barman = [];
    expect(lastBackupAge(s, now)).toBe('');
  });

  it('test: one line per cluster, the failed checks named', () => {
    const text = testSummary([
      { dir: 'a', value: { cluster: 'east', passed: 9, failed: [], durationMs: 3200 } },
      { dir: 'b', value: { cluster: 'west', passed: 7, failed: ['a row written on the primary is read on op-c', 'repmgr sees every node'], durationMs: 17_000 } },
    ]);
    expect(text.split('\n')[1]).toMatch(/^east +PASS +9\/9 in 3\.2 s$/);
    expect(text.split('\n')[2]).toMatch(/^west +FAIL +7\/9 in 17\.0 s +a row written on the primary is read on op-c; repmgr sees every node$/);
  });
});
