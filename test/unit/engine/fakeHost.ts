import { FakeConnector } from '../../../src/engine/connectors/fake.js';

/** A FakeConnector that keeps a tiny model of systemd, dpkg and accounts, so operations converge against it. */
export function fakeHost(name = 'h') {
  const services = new Map<string, { active: string; file: string; needReload?: boolean }>();
  const installed = new Map<string, string>([['base-files', '12']]);
  const users = new Map<string, { uid: number; gid: number; home: string; shell: string }>([['root', { uid: 0, gid: 0, home: '/root', shell: '/bin/bash' }]]);
  const groups = new Map<string, { gid: number; members: string[] }>([['root', { gid: 0, members: [] }]]);
  let nextId = 1000;
  const c = new FakeConnector(name);
  c.on(/^systemctl show/, (cmd) => {
    const units = cmd.split(' -- ')[1]!.split(' ');
    return {
      stdout: units
        .map((u) => {
          const s = services.get(u);
          if (!s) return `Id=${u}\nLoadState=not-found\nActiveState=inactive\nUnitFileState=\nNeedDaemonReload=no\n`;
          return `Id=${u}\nLoadState=loaded\nActiveState=${s.active}\nUnitFileState=${s.file}\nNeedDaemonReload=${s.needReload ? 'yes' : 'no'}\n`;
        })
        .join('\n'),
    };
  });
  c.on(/^systemctl (start|stop|restart|reload|reload-or-restart|enable|disable|try-restart) -- /, (cmd) => {
    const [, action, unit] = /^systemctl (\S+) -- (\S+)/.exec(cmd)!;
    const s = services.get(unit!);
    if (!s) return { code: 5, stderr: `Failed to ${action} ${unit}: Unit ${unit} not found.\n` };
    if (action === 'start' || action === 'restart' || action === 'reload-or-restart') s.active = 'active';
    if (action === 'stop') s.active = 'inactive';
    if (action === 'enable') s.file = 'enabled';
    if (action === 'disable') s.file = 'disabled';
    return {};
  });
  c.on(/^systemctl daemon-reload/, () => {
    for (const s of services.values()) s.needReload = false;
    return {};
  });
  c.on(/^dpkg-query/, () => ({ stdout: [...installed].map(([n, v]) => `${n}\t${v}\tii \n`).join('') }));
  c.on(/apt-get .* install -- /, (cmd) => {
    for (const p of cmd.split(' install -- ')[1]!.split(' ')) installed.set(p.split('=')[0]!, p.split('=')[1] ?? '1.0');
    return {};
  });
  c.on(/^getent passwd/, () => ({
    stdout:
      [...users].map(([n, u]) => `${n}:x:${u.uid}:${u.gid}::${u.home}:${u.shell}\n`).join('') +
      '--m1-groups--\n' +
      [...groups].map(([n, g]) => `${n}:x:${g.gid}:${g.members.join(',')}\n`).join(''),
  }));
  c.on(/^groupadd /, (cmd) => {
    const name = cmd.split(' -- ')[1]!;
    groups.set(name, { gid: nextId++, members: [] });
    return {};
  });
  c.on(/^useradd /, (cmd) => {
    const name = cmd.split(' -- ')[1]!;
    const gid = nextId++;
    groups.set(name, { gid, members: [] });
    const home = /--home-dir (\S+)/.exec(cmd)?.[1] ?? `/home/${name}`;
    users.set(name, { uid: nextId++, gid, home, shell: /--shell (\S+)/.exec(cmd)?.[1] ?? '/bin/sh' });
    const extra = /--groups (\S+)/.exec(cmd)?.[1];
    for (const g of extra ? extra.split(',') : []) groups.get(g)?.members.push(name);
    return {};
  });
  c.on(/^usermod /, (cmd) => {
    const name = cmd.split(' -- ')[1]!;
    const extra = /--groups (\S+)/.exec(cmd)?.[1];
    for (const g of extra ? extra.split(',') : []) groups.get(g)?.members.push(name);
    const shell = /--shell (\S+)/.exec(cmd)?.[1];
    if (shell) users.get(name)!.shell = shell;
    return {};
  });
  return { connector: c, services, installed, users, groups };
}
