import { describe, expect, it } from 'vitest';
import { FAILOVER_TUNING, formatRepmgrValue, nodeConninfo, repmgrConf } from '../../../../src/products/repmgr/repmgrConf.js';
import { VARIABLES } from '../../../../src/config/variables.js';
import { byName, defaultCluster, twoLocationCluster } from '../fixtures.js';

function conf(c = defaultCluster(), host = 'beta'): Record<string, string> {
  return Object.fromEntries(
    repmgrConf(c, byName(c, host))
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(' = ', 2) as [string, string]),
  );
}

describe('repmgr.conf', () => {
  it('identifies the node and how to reach it, with connect_timeout=2', () => {
    const s = conf();
    expect(s['node_id']).toBe('2');
    expect(s['node_name']).toBe("'beta'");
    expect(s['conninfo']).toBe("'host=beta port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt application_name=beta connect_timeout=2 tcp_user_timeout=3000 keepalives=1 keepalives_idle=5 keepalives_interval=2 keepalives_count=3'");
    expect(s['data_directory']).toBe("'/opt/postgres/data'");
    expect(s['pg_bindir']).toBe("'/usr/lib/postgresql/15/bin'");
    expect(s['passfile']).toBe("'/var/lib/postgresql/.pgpass'");
  });

  it('leaves replication_type to its default (repmgr 5.2 on Debian 11 refuses the value physical)', () => {
    expect(conf()).not.toHaveProperty('replication_type');
  });

  it('is tuned to replace a dead primary within 20 s and to ride out an outage of 10 s with 2 s to spare', () => {
    const s = conf();
    expect(s['failover']).toBe("'automatic'");
    expect(s['monitor_interval_secs']).toBe('2');
    expect(s['reconnect_attempts']).toBe('3');
    expect(s['reconnect_interval']).toBe('3');
    const t = FAILOVER_TUNING;
    // From the failing ping to the start of the last attempt: while the network returns before then, no election.
    // The ping and the first attempt back to back, then the others reconnect_interval apart.
    const riddenOut = t.reconnect_attempts * t.connect_timeout + (t.reconnect_attempts - 1) * t.reconnect_interval;
    expect(riddenOut).toBeGreaterThanOrEqual(12);
    // The runtime fence (repmgr_fence_after, 5 s by default) must act well inside that.
    expect(riddenOut).toBeGreaterThan(VARIABLES.repmgr_fence_after.default * 1.5);
    // Worst case before pg_promote(): the wait for the next ping, the ping and every attempt timing out with the
    // waits between them, then `standby promote` connecting to the dead primary once more.
    const worst = t.monitor_interval_secs + (1 + t.reconnect_attempts) * t.connect_timeout + (t.reconnect_attempts - 1) * t.reconnect_interval + t.connect_timeout;
    // Leaves 2 s of the 20 s for the election, starting repmgr and the other connections (measured 0.3-1.8 s).
    expect(worst).toBeLessThanOrEqual(18);
  });

  it('lets config.yml tune the failover timing', () => {
    const s = conf(defaultCluster({ repmgr_reconnect_attempts: 6, repmgr_reconnect_interval: 10 }));
    expect([s['reconnect_attempts'], s['reconnect_interval']]).toEqual(['6', '10']);
  });

  it('uses the hook scripts beside it, follow_command with the target node id', () => {
    const s = conf();
    expect(s['promote_command']).toBe("'/etc/repmgr/15/promote_command.sh'");
    expect(s['follow_command']).toBe("'/etc/repmgr/15/follow_command.sh %n'");
  });

  it('controls Postgres and repmgrd through systemd (sudo rule in roles/postgres)', () => {
    const s = conf();
    expect(s['service_start_command']).toBe("'sudo systemctl start postgres'");
    expect(s['service_stop_command']).toBe("'sudo systemctl stop postgres'");
    expect(s['service_restart_command']).toBe("'sudo systemctl restart postgres'");
    expect(s['service_reload_command']).toBe("'sudo systemctl reload postgres'");
    expect(s['repmgrd_service_start_command']).toBe("'sudo systemctl start repmgr'");
  });

  it('sets no restore_command by default: promotions and standby starts do not wait for Barman', () => {
    expect(conf()['restore_command']).toBeUndefined();
    expect(conf(twoLocationCluster(), 'delta')['restore_command']).toBeUndefined();
    expect(conf(defaultCluster({ repmgr_restore_from_barman: false }))['restore_command']).toBeUndefined();
  });

  it('restores WAL from the cluster\'s Barman server when asked, whose name does not depend on the primary', () => {
    const on = { repmgr_restore_from_barman: true };
    expect(conf(defaultCluster(on))['restore_command']).toBe("'/usr/bin/barman-wal-restore -U barman -z -p 8 --port 22 gamma m1 %f %p'");
    expect(conf(twoLocationCluster(on), 'delta')['restore_command']).toBe("'/usr/bin/barman-wal-restore -U barman -z -p 8 --port 22 epsilon m1b %f %p'");
    const noBackup = defaultCluster(on);
    delete noBackup.instances[0]!.backup;
    expect(conf(noBackup)['restore_command']).toBeUndefined();
    expect(() => conf(defaultCluster({ repmgr_restore_from_barman: 'maybe' }))).toThrow(/expected true or false/);
  });

  it('reuses one SSH connection per host for repmgr\'s remote commands, bounded when a host dies', () => {
    const o = conf()['ssh_options']!;
    expect(o).toMatch(/^'.*'$/);
    expect(o).toContain('-o BatchMode=yes');
    expect(o).toContain('-o ControlMaster=auto');
    expect(o).toMatch(/-o ControlPath=~\/\.ssh\/\S*%C/);
    expect(o).toMatch(/-o ControlPersist=\d+/);
    expect(o).toContain('-o ServerAliveInterval=2 -o ServerAliveCountMax=3');
  });

  it('writes location and priority only when config.yml sets them', () => {
    expect(conf()['location']).toBeUndefined();
    expect(conf()['priority']).toBeUndefined();
    const c = defaultCluster();
    byName(c, 'beta').vars['repmgr_location'] = 'dc1';
    byName(c, 'beta').vars['repmgr_priority'] = 0;
    expect(conf(c)).toMatchObject({ location: "'dc1'", priority: '0' });
  });

  it('refuses a bad failover mode and a value with a quote', () => {
    expect(() => conf(defaultCluster({ repmgr_failover: 'auto' }))).toThrow(/cluster_vars\.repmgr_failover: expected one of automatic, manual, got "auto"/);
    expect(() => formatRepmgrValue("a'b")).toThrow(/quotes/);
    expect(nodeConninfo('x')).toContain('connect_timeout=2');
  });

  it('hands repmgr\'s promotion, follow and rejoin events to m1-notify only when notification_command is set', () => {
    expect(conf()['event_notification_command']).toBeUndefined();
    const c = defaultCluster();
    c.clusterVars['notification_command'] = '/usr/local/bin/page-dba';
    const s = conf(c);
    expect(s['event_notification_command']).toBe("'/usr/local/sbin/m1-notify repmgr %e %a %s'");
    expect(s['event_notifications']?.replace(/'/g, '').split(',')).toEqual(expect.arrayContaining(['standby_promote', 'repmgrd_failover_promote', 'node_rejoin']));
  });
});
