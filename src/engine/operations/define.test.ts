import { describe, expect, it } from 'vitest';
import { FakeConnector } from '../connectors/fake.js';
import { runPlaybook } from '../run/engine.js';
import { defineRole } from '../run/playbook.js';
import { defineOperation } from './define.js';
import { restart } from './types.js';

/** A toy kind: writes a marker file unless its content already is `value`. */
const marker = defineOperation('marker', (path: string, value: string, when?: boolean) => ({
  name: `marker ${path}`,
  when,
  notify: restart('toy'),
  needs: [{ kind: 'content', path }],
  async apply(ctx) {
    if ((await ctx.facts.content(path))?.toString() === value) return { status: 'ok' };
    await ctx.change({ cmd: `write ${path}`, stdin: value });
    return { status: 'changed' };
  },
}));

describe('defineOperation', () => {
  it('fills kind, when and notify, and exposes the facts it reads for batching', () => {
    const op = marker('/etc/m', 'x');
    expect(op).toMatchObject({ kind: 'marker', name: 'marker /etc/m', when: true, notify: [{ service: 'toy', action: 'restart' }] });
    expect(op.needs()).toEqual([{ kind: 'content', path: '/etc/m' }]);
    expect(marker('/etc/m', 'x', false).when).toBe(false);
  });

  it('runs its change only when the fact differs', async () => {
    const host = (current: string) =>
      new FakeConnector('h').on(/stat -L -c/, { stdout: `${current.length}|/etc/m\n--m1-contents--\n${Buffer.from(current).toString('base64')}` }).on(/^write \/etc\/m$/, {});
    const converged = host('x');
    const r = await runPlaybook({ name: 'p', stages: [{ name: 's', hosts: ['h'], roles: [defineRole('r', () => [marker('/etc/m', 'x')])] }] }, { connectors: { h: converged } });
    expect(r.results.map((x) => x.status)).toEqual(['ok']);
    expect(converged.ran(/^write/)).toEqual([]);
    const stale = host('old')
      .on(/^systemctl show/, { stdout: 'Id=toy.service\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNeedDaemonReload=no\n' })
      .on(/^systemctl restart -- toy\.service$/, {});
    const r2 = await runPlaybook({ name: 'p', stages: [{ name: 's', hosts: ['h'], roles: [defineRole('r', () => [marker('/etc/m', 'x')])] }] }, { connectors: { h: stale } });
    expect(r2.results[0]).toMatchObject({ task: 'marker /etc/m', kind: 'marker', status: 'changed' });
    expect(stale.commands.find((c) => c.command === 'write /etc/m')?.stdin).toBe('x');
    expect(stale.ran(/^systemctl restart/)).toEqual(['systemctl restart -- toy.service']);
    expect(r2.exitCode).toBe(0);
  });
});
