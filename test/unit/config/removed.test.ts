/**
 * Instances taken out by m1 remove-node (removed.json): every command loads
 * the cluster without them, their replicas under their own upstream, and
 * warns with the exact lines of config.yml to delete (config.yml is never
 * rewritten). m1 remove-node itself loads them (withRemoved).
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadCluster } from '../../../src/config/load.js';
import { removedLines, removedWarning } from '../../../src/config/removedLines.js';
import { parseRemoved, readRemoved, REMOVED_FILE, withEntry, withoutRemoved, writeRemoved } from '../../../src/inventory/removed.js';
import { testCluster } from '../../support/testCluster.js';

const FIXTURE = join(import.meta.dirname, '../../fixtures/removed/config.yml');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function clusterDir(removed: string[]): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'm1-removed-'));
  await cp(FIXTURE, join(dir, 'config.yml'));
  if (removed.length) await writeRemoved(dir, { removed: removed.map((name, k) => ({ name, node: 4 + k, removedAt: '2026-12-06T19:56:49.497Z' })) });
  return dir;
}

describe('removed.json', () => {
  it('absent is empty; written and read back; an entry replaces one of the same name', async () => {
    const d = await clusterDir([]);
    expect(await readRemoved(d)).toEqual({ removed: [] });
    const one = withEntry({ removed: [] }, { name: 'x', node: 4, removedAt: '2026-01-01T00:00:00.000Z', othersPending: true });
    const two = withEntry(one, { name: 'x', node: 4, removedAt: '2026-01-01T00:00:00.000Z' });
    await writeRemoved(d, two);
    expect(await readRemoved(d)).toEqual({ removed: [{ name: 'x', node: 4, removedAt: '2026-01-01T00:00:00.000Z' }] });
    expect(JSON.parse(await readFile(join(d, REMOVED_FILE), 'utf8'))).toEqual(two);
  });

  it('a malformed file is refused, naming what is wrong', () => {
    expect(() => parseRemoved('[]')).toThrow('expected {"removed": [...]}');
    expect(() => parseRemoved('{"removed": [{"name": "x"}]}')).toThrow('removed[0]: expected name, node and removedAt');
  });

  it('the cluster without removed instances: a replica under a removed one streams from its upstream, up the chain', () => {
    const c = testCluster({
      name: 'r',
      instances: [
        { name: 'r-a', roles: ['primary'] },
        { name: 'r-b', roles: ['replica'], upstream: 'r-a' },
        { name: 'r-c', roles: ['replica'], upstream: 'r-b' },
        { name: 'r-d', roles: ['replica'], upstream: 'r-c' },
      ],
    });
    const at = '2026-01-01T00:00:00.000Z';
    const { cluster, removed } = withoutRemoved(c, { removed: [{ name: 'r-b', node: 2, removedAt: at }, { name: 'r-c', node: 3, removedAt: at }, { name: 'gone-long-ago', node: 9, removedAt: at }] });
    expect(cluster.instances.map((i) => [i.name, i.upstream])).toEqual([['r-a', undefined], ['r-d', 'r-a']]);
    expect(removed.map((r) => r.name)).toEqual(['r-b', 'r-c']);
    expect(withoutRemoved(c, { removed: [] }).cluster).toBe(c);
  });
});

describe('a removed data node named in HAProxy backends', () => {
  const text = [
    'instances:',
    '- Name: h-a',
    '  role: [primary]',
    '- Name: h-b',
    '  role: [replica]',
    '  upstream: h-a',
    '- Name: h-x',
    '  role: [haproxy]',
    '  vars:',
    '    haproxy_backend_servers:',
    '    - h-a',
    '    - h-b',
    '',
  ].join('\n');
  const c = testCluster({
    name: 'h',
    instances: [
      { name: 'h-a', roles: ['primary'] },
      { name: 'h-b', roles: ['replica'], upstream: 'h-a' },
      { name: 'h-x', roles: ['haproxy'] },
    ],
  });
  const haproxy = { ...c, instances: c.instances.map((i) => (i.name === 'h-x' ? { ...i, vars: { ...i.vars, haproxy_backend_servers: ['h-a', 'h-b'] }, ownVars: { haproxy_backend_servers: ['h-a', 'h-b'] } } : i)) };
  const entry = { name: 'h-b', node: 2, removedAt: '2026-12-06T00:00:00.000Z' };

  it('is left out of haproxy_backend_servers (the deploy writes HAProxy without it), and the warning names the list item to delete', () => {
    const { cluster } = withoutRemoved(haproxy, { removed: [entry] });
    const x = cluster.instances.find((i) => i.name === 'h-x')!;
    expect([x.vars.haproxy_backend_servers, x.ownVars?.haproxy_backend_servers]).toEqual([['h-a'], ['h-a']]);
    const lines = removedLines(text, 'config.yml', [entry], cluster);
    expect(lines[0]).toMatchObject({ first: 4, last: 6, lists: [{ line: 12, instance: 'h-x', variable: 'haproxy_backend_servers', text: '    - h-b' }] });
    expect(removedWarning('config.yml', entry, lines[0])).toMatch(/delete lines 4-6:\n.*\n  and on line 12 \(h-x's haproxy_backend_servers\) take h-b out of\n    - h-b$/s);
  });
});

describe('loading a cluster whose config.yml still lists removed instances', () => {
  it('leaves them out, warns with the exact lines to delete and the upstream lines to change', async () => {
    const d = await clusterDir(['rm-c', 'rm-d']);
    const { cluster, warnings } = await loadCluster(d);
    expect(cluster.instances.map((i) => i.name)).toEqual(['rm-a', 'rm-b', 'rm-k', 'rm-e']);
    expect(cluster.instances.find((i) => i.name === 'rm-e')!.upstream).toBe('rm-a');
    const file = join(d, 'config.yml');
    expect(warnings).toEqual([
      `rm-c was removed by m1 remove-node on 2026-12-06 (recorded in removed.json) but ${file} still lists it: provision and deploy skip it; delete lines 37-42:\n` +
        '    - Name: rm-c\n      location: dr\n      node: 4\n      role:\n      - replica\n      upstream: rm-a',
      `rm-d was removed by m1 remove-node on 2026-12-06 (recorded in removed.json) but ${file} still lists it: provision and deploy skip it; delete lines 43-47:\n` +
        '    - Name: rm-d\n      location: dr\n      node: 5\n      role: [replica]\n      upstream: rm-c\n' +
        '  and on line 53 (rm-e) write\n    upstream: rm-a\n  instead of\n    upstream: rm-d',
    ]);
  });

  it('m1 remove-node loads them as config.yml has them; once config.yml no longer lists them, no warning', async () => {
    const d = await clusterDir(['rm-d']);
    expect((await loadCluster(d, { withRemoved: true })).cluster.instances).toHaveLength(6);
    const text = await readFile(join(d, 'config.yml'), 'utf8');
    const lines = text.split('\n');
    await writeFile(join(d, 'config.yml'), [...lines.slice(0, 42), ...lines.slice(47)].join('\n').replace('upstream: rm-d', 'upstream: rm-c'));
    const { cluster, warnings } = await loadCluster(d);
    expect(warnings).toEqual([]);
    expect(cluster.instances.map((i) => i.name)).toEqual(['rm-a', 'rm-b', 'rm-k', 'rm-c', 'rm-e']);
  });
});
