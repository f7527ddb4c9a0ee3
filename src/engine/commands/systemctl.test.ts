import { describe, expect, it } from 'vitest';
import { buildServiceAction, buildServiceQuery, parseServiceQuery, unitName } from './systemctl.js';

describe('systemctl commands', () => {
  it('queries many units in one call', () => {
    expect(buildServiceQuery(['ssh', 'postgresql@15-main', 'x.timer'])).toBe(
      'systemctl show --property=Id,LoadState,ActiveState,UnitFileState,NeedDaemonReload,FragmentPath -- ssh.service postgresql@15-main.service x.timer',
    );
  });
  it('parses one block per unit, in order, aliases resolved', () => {
    const out = [
      'Id=ssh.service', 'LoadState=loaded', 'ActiveState=active', 'UnitFileState=enabled', 'NeedDaemonReload=no', 'FragmentPath=/lib/systemd/system/ssh.service', '',
      'Id=nope.service', 'LoadState=not-found', 'ActiveState=inactive', 'UnitFileState=', 'NeedDaemonReload=no', '',
      'Id=m1.service', 'LoadState=loaded', 'ActiveState=failed', 'UnitFileState=disabled', 'NeedDaemonReload=yes', 'FragmentPath=/run/systemd/generator.late/m1.service', '',
    ].join('\n');
    const s = parseServiceQuery(['sshd', 'nope', 'm1'], out);
    expect(s.get('sshd')).toEqual({ id: 'ssh.service', loadState: 'loaded', activeState: 'active', unitFileState: 'enabled', needDaemonReload: false, fragmentPath: '/lib/systemd/system/ssh.service' });
    expect(s.get('nope')).toMatchObject({ loadState: 'not-found', fragmentPath: '' });
    expect(s.get('m1')).toMatchObject({ activeState: 'failed', unitFileState: 'disabled', needDaemonReload: true, fragmentPath: '/run/systemd/generator.late/m1.service' });
  });
  it('builds actions on quoted unit names and rejects odd names', () => {
    expect(buildServiceAction('restart', 'postgresql')).toBe('systemctl restart -- postgresql.service');
    expect(unitName('m1bench@3')).toBe('m1bench@3.service');
    expect(() => unitName('a;b')).toThrow(/not a systemd unit name/);
  });
});
