import { describe, expect, it } from 'vitest';
import { FakeConnector } from '../connectors/fake.js';
import { LocalConnector } from '../connectors/local.js';
import { defineFact } from './fact.js';
import { HostFacts } from './hostFacts.js';

describe('HostFacts', () => {
  it('reads every stat, content and service need in one command', async () => {
    const fake = new FakeConnector('h')
      .on(/^set --; .*stat -c/, { stdout: 'regular file|644|root|root|2|/a\ndirectory|755|root|root|4096|/d\n--m1-hashes--\n' + 'f'.repeat(64) + '  /a\n' })
      .on(/stat -L -c/, { stdout: `2|/a\n--m1-contents--\n${Buffer.from('hi').toString('base64')}` })
      .on(/^systemctl show/, { stdout: 'Id=x.service\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNeedDaemonReload=no\n\nId=y.service\nLoadState=loaded\nActiveState=inactive\nUnitFileState=disabled\nNeedDaemonReload=no\n' });
    const f = new HostFacts(fake);
    await f.prefetch([
      { kind: 'stat', path: '/a' }, { kind: 'stat', path: '/d' }, { kind: 'stat', path: '/missing' },
      { kind: 'content', path: '/a' }, { kind: 'service', unit: 'x' }, { kind: 'service', unit: 'y.service' },
    ]);
    expect(fake.commands).toHaveLength(1);
    expect(fake.commands[0]!.command).toMatch(/stat -c .*--m1-part-.*stat -L -c .*--m1-part-.*systemctl show .*--m1-part-/);
    expect((await f.stat('/a'))?.sha256).toBe('f'.repeat(64));
    expect((await f.stat('/d'))?.type).toBe('directory');
    expect(await f.stat('/missing')).toBeNull();
    expect((await f.content('/a'))?.toString()).toBe('hi');
    expect((await f.service('y')).activeState).toBe('inactive');
    expect(fake.commands).toHaveLength(1); // all served from the cache
    f.invalidatePaths('/a');
    await f.stat('/a');
    expect(fake.commands).toHaveLength(2);
    expect(fake.commands[1]!.command).toMatch(/^set --; /);
  });

  it("reads a part of the joined read again on its own when it failed, and reports that read's error", async () => {
    const fake = new FakeConnector('h')
      .on(/^set --; .*stat -c/, { stdout: 'regular file|644|root|root|2|/a\n--m1-hashes--\n' + 'f'.repeat(64) + '  /a\n' })
      .on(/^systemctl show/, { code: 1, stderr: 'Failed to connect to bus\n' });
    const f = new HostFacts(fake);
    await f.prefetch([{ kind: 'stat', path: '/a' }, { kind: 'service', unit: 'x' }]);
    expect((await f.stat('/a'))?.size).toBe(2);
    await expect(f.service('x')).rejects.toThrow(/reading service states: `systemctl show .*` exited 1: Failed to connect to bus/);
    // the joined read, then systemctl alone (read again by the reader: a failed read is not cached); the stat came from the joined read
    expect(fake.commands.map((c) => c.command.slice(0, 15))).toEqual([expect.stringMatching(/^\( set --/), 'systemctl show ', 'systemctl show ']);
  });

  it('reads installed packages, accounts and a role-defined fact in the same command as the files', async () => {
    const fake = new FakeConnector('h')
      .on(/^set --; .*stat -c/, { stdout: 'regular file|644|root|root|2|/a\n--m1-hashes--\n' + 'f'.repeat(64) + '  /a\n' })
      .on(/^dpkg-query/, { stdout: 'pgbouncer\t1.20\tii \n' })
      .on(/^getent passwd/, { stdout: 'root:x:0:0::/root:/bin/sh\n--m1-groups--\nroot:x:0:\n' })
      .on(/^read-answer$/, { stdout: '42\n' });
    const f = new HostFacts(fake);
    const answer = defineFact('answer', 'read-answer', (r) => Number(r.stdout));
    await f.prefetch([{ kind: 'stat', path: '/a' }, { kind: 'packages' }, { kind: 'accounts' }, { kind: 'fact', def: answer }]);
    expect(fake.commands).toHaveLength(1);
    expect((await f.packages()).get('pgbouncer')).toBe('1.20');
    expect((await f.accounts()).users.has('root')).toBe(true);
    expect(await f.fact(answer)).toBe(42);
    expect(fake.commands).toHaveLength(1);
  });

  it('reads a role-defined fact whose part failed on its own, so that it sees the exit status and stderr', async () => {
    const fake = new FakeConnector('h')
      .on(/^set --; .*stat -c/, { stdout: 'regular file|644|root|root|2|/a\n--m1-hashes--\n' + 'f'.repeat(64) + '  /a\n' })
      .on(/^read-answer$/, { code: 3, stderr: 'no server\n' });
    const f = new HostFacts(fake);
    const answer = defineFact('answer', 'read-answer', (r) => `${r.code}: ${r.stderr.trim()}`);
    await f.prefetch([{ kind: 'stat', path: '/a' }, { kind: 'fact', def: answer }]);
    expect(await f.fact(answer)).toBe('3: no server');
    expect(fake.commands.map((c) => c.command.slice(0, 11))).toEqual([expect.stringMatching(/^\( set --/), 'read-answer']);
  });

  it('forgets what a read-ahead view read, and once stopped the view reads nothing: what it added then could never be forgotten', async () => {
    const fake = new FakeConnector('h').on(/^set --; .*stat -c/, { stdout: 'regular file|644|root|root|2|/a\n--m1-hashes--\n' + 'f'.repeat(64) + '  /a\n' });
    const f = new HostFacts(fake);
    let stopped = false;
    const view = f.ahead(() => stopped);
    expect((await view.stat('/a'))?.size).toBe(2);
    expect((await f.stat('/a'))?.size).toBe(2); // the run finds it cached
    expect(fake.commands).toHaveLength(1);
    stopped = true;
    await expect(view.prefetch([{ kind: 'service', unit: 'x' }])).rejects.toThrow(/read-ahead stopped/);
    await expect(view.content('/b')).rejects.toThrow(/read-ahead stopped/);
    expect(fake.commands).toHaveLength(1);
    f.forgetAhead();
    await f.stat('/a');
    expect(fake.commands).toHaveLength(2); // read again
  });

  it('forgets service states once a unit file or drop-in is written (systemd then wants a daemon-reload), not for other files', async () => {
    let reloadNeeded = 'no';
    const fake = new FakeConnector('h').on(/^systemctl show/, () => ({ stdout: `Id=x.service\nLoadState=loaded\nActiveState=active\nUnitFileState=enabled\nNeedDaemonReload=${reloadNeeded}\n` }));
    const f = new HostFacts(fake);
    expect((await f.service('x')).needDaemonReload).toBe(false);
    reloadNeeded = 'yes';
    f.invalidatePaths('/etc/x.conf');
    expect((await f.service('x')).needDaemonReload).toBe(false); // cached: not a unit file
    f.invalidatePaths('/etc/systemd/system/x.service.d/override.conf');
    expect((await f.service('x')).needDaemonReload).toBe(true);
    expect(fake.commands).toHaveLength(2);
  });

  it('shares one command between concurrent readers and reports failures with the command', async () => {
    const fake = new FakeConnector('h').on(/dpkg-query/, { code: 2, stderr: 'dpkg-query: error: broken\n' });
    const f = new HostFacts(fake);
    const [a, b] = await Promise.allSettled([f.packages(), f.packages()]);
    expect(fake.commands).toHaveLength(1);
    expect(a.status === 'rejected' && String(a.reason)).toMatch(/reading installed packages: `dpkg-query .*` exited 2: dpkg-query: error: broken/);
    expect(b.status).toBe('rejected');
  });

  it('reads real facts through a shell, and role-defined facts', async () => {
    const local = new LocalConnector();
    const f = new HostFacts(local);
    expect((await f.os()).id).toBe('debian');
    expect((await f.accounts()).users.get('root')?.uid).toBe(0);
    const uptimeFact = defineFact('has-proc', 'test -d /proc', (r) => r.code === 0);
    expect(await f.fact(uptimeFact)).toBe(true);
    const fromStdin = defineFact('reads-stdin', 'tr a-z A-Z', (r) => r.stdout, { stdin: 'secret-ish\n' });
    expect(await f.fact(fromStdin)).toBe('SECRET-ISH\n');
    await local.close();
  });
});
