import { describe, expect, it } from 'vitest';
import { group, user } from '../../../src/engine/operations/accounts.js';
import { packages } from '../../../src/engine/operations/packages.js';
import { service } from '../../../src/engine/operations/service.js';
import { fakeHost } from './fakeHost.js';
import { runOps, statuses } from './helpers.js';

describe('service', () => {
  it('enables and starts once, then reports ok with no change commands', async () => {
    const h = fakeHost();
    h.services.set('pg.service', { active: 'inactive', file: 'disabled' });
    const op = () => service({ service: 'pg', enabled: true, state: 'started' });
    const first = await runOps(h.connector, [op()]);
    expect(statuses(first)).toEqual(['changed']);
    expect(h.connector.ran(/^systemctl (enable|start)/)).toEqual(['systemctl enable -- pg.service', 'systemctl start -- pg.service']);
    const second = await runOps(h.connector, [op()]);
    expect(statuses(second)).toEqual(['ok']);
    expect(h.connector.ran(/^systemctl (enable|start)/)).toHaveLength(2);
  });
  it('stops a running service; static units count as enabled', async () => {
    const h = fakeHost();
    h.services.set('a.service', { active: 'active', file: 'enabled' });
    h.services.set('b.service', { active: 'active', file: 'static' });
    const r = await runOps(h.connector, [service({ service: 'a', state: 'stopped' }), service({ service: 'b', enabled: true })]);
    expect(statuses(r)).toEqual(['changed', 'ok']);
    expect(h.services.get('a.service')?.active).toBe('inactive');
  });
  it('reloads systemd when the unit file is new or changed', async () => {
    const h = fakeHost();
    h.services.set('n.service', { active: 'inactive', file: 'disabled', needReload: true });
    await runOps(h.connector, [service({ service: 'n', state: 'started' })]);
    expect(h.connector.ran(/daemon-reload|start/)).toEqual(['systemctl daemon-reload', 'systemctl start -- n.service']);
  });
  it('fails clearly on a unit that does not exist', async () => {
    const h = fakeHost();
    const r = await runOps(h.connector, [service({ service: 'ghost', state: 'started' })]);
    expect(r.failures).toEqual(['h r › service ghost started: unit ghost.service is not-found']);
  });
});

describe('packages', () => {
  it('installs only the missing packages in one call, then is ok', async () => {
    const h = fakeHost();
    h.installed.set('postgresql-15', '15.8');
    const op = () => packages({ names: ['postgresql-15', 'barman', 'pgbouncer'] });
    const r = await runOps(h.connector, [op()]);
    expect(r.results[0]!.message).toBe('installed barman pgbouncer');
    const installs = h.connector.ran(/apt-get/);
    expect(installs).toHaveLength(1);
    expect(installs[0]).toMatch(/install -- barman pgbouncer$/);
    expect(statuses(await runOps(h.connector, [op()]))).toEqual(['ok']);
    expect(h.connector.ran(/apt-get/)).toHaveLength(1);
  });
  it('installs a pinned version only when the package is missing, never upgrades or downgrades an installed one', async () => {
    const h = fakeHost();
    h.installed.set('postgresql-15', '15.18-0+deb12u1');
    const op = () => packages({ names: ['postgresql-15=15.20-0+deb12u1', 'postgresql-client-15=15.20-0+deb12u1'] });
    const r = await runOps(h.connector, [op()]);
    expect(r.results[0]!.message).toBe('installed postgresql-client-15=15.20-0+deb12u1');
    expect(h.connector.ran(/apt-get/)[0]).toMatch(/install -- postgresql-client-15=15\.20-0\+deb12u1$/);
    expect(h.installed.get('postgresql-15')).toBe('15.18-0+deb12u1');
    expect(statuses(await runOps(h.connector, [op()]))).toEqual(['ok']);
  });
  it('in check mode says what it would install and runs nothing', async () => {
    const h = fakeHost();
    const r = await runOps(h.connector, [packages({ names: ['etcd-server'] })], { check: true });
    expect(r.results[0]).toMatchObject({ status: 'changed', message: 'would install etcd-server' });
    expect(h.connector.ran(/apt-get/)).toEqual([]);
  });
});

describe('user and group', () => {
  it('creates a group and a user in it, then converges', async () => {
    const h = fakeHost();
    const ops = () => [group({ group: 'ssl-cert', system: true }), user({ user: 'postgres', system: true, home: '/var/lib/postgresql', shell: '/bin/bash', groups: ['ssl-cert'] })];
    expect(statuses(await runOps(h.connector, ops()))).toEqual(['changed', 'changed']);
    expect(h.groups.get('ssl-cert')?.members).toEqual(['postgres']);
    expect(statuses(await runOps(h.connector, ops()))).toEqual(['ok', 'ok']);
  });
  it('adds a missing supplementary group and fixes the shell with one usermod', async () => {
    const h = fakeHost();
    h.users.set('barman', { uid: 50, gid: 50, home: '/var/lib/barman', shell: '/bin/sh' });
    h.groups.set('barman', { gid: 50, members: [] });
    h.groups.set('ssl-cert', { gid: 60, members: [] });
    const r = await runOps(h.connector, [user({ user: 'barman', groups: ['ssl-cert'], shell: '/bin/bash' })]);
    expect(h.connector.ran(/^usermod/)).toEqual(['usermod --append --groups ssl-cert --shell /bin/bash -- barman']);
    expect(r.results[0]!.diff).toBe('user barman: groups + ssl-cert\nuser barman: shell /bin/sh -> /bin/bash\n');
  });
  it('refuses a user whose group is not declared', async () => {
    const h = fakeHost();
    const r = await runOps(h.connector, [user({ user: 'x', groups: ['nope'] })]);
    expect(r.failures[0]).toMatch(/group nope does not exist/);
  });
});
