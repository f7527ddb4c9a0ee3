import { describe, expect, it } from 'vitest';
import { LocalConnector } from '../connectors/local.js';
import { buildAccountsQuery, buildGroupAdd, buildUserAdd, buildUserMod, parseAccountsQuery } from './users.js';

describe('account commands', () => {
  it('reads users and groups in one command', async () => {
    const sh = new LocalConnector();
    const r = await sh.run(buildAccountsQuery());
    await sh.close();
    const a = parseAccountsQuery(r.stdout);
    expect(a.users.get('root')).toMatchObject({ uid: 0, gid: 0, home: '/root' });
    expect(a.groups.get('root')?.gid).toBe(0);
  });
  it('parses members', () => {
    const a = parseAccountsQuery('pg:x:100:101::/var/lib/postgresql:/bin/bash\n--m1-groups--\nssl-cert:x:110:postgres,barman\nempty:x:5:\n');
    expect(a.users.get('pg')).toEqual({ uid: 100, gid: 101, home: '/var/lib/postgresql', shell: '/bin/bash' });
    expect(a.groups.get('ssl-cert')?.members).toEqual(['postgres', 'barman']);
    expect(a.groups.get('empty')?.members).toEqual([]);
  });
  it('builds useradd, usermod and groupadd with only what is asked', () => {
    expect(buildUserAdd({ name: 'barman', system: true, home: '/var/lib/barman', shell: '/bin/bash', groups: ['ssl-cert'] })).toBe(
      'useradd --system --groups ssl-cert --home-dir /var/lib/barman --shell /bin/bash --create-home -- barman',
    );
    expect(buildUserAdd({ name: 'app', uid: 1500 })).toBe('useradd --uid 1500 --user-group --create-home -- app');
    expect(buildUserMod('app', { appendGroups: ['a', 'b'], shell: '/bin/sh' })).toBe('usermod --append --groups a,b --shell /bin/sh -- app');
    expect(buildGroupAdd({ name: 'etcd', system: true })).toBe('groupadd --system -- etcd');
    expect(() => buildUserAdd({ name: 'Bad Name' })).toThrow(/not a valid/);
    expect(() => buildUserMod('app', {})).toThrow(/nothing/);
  });
});
