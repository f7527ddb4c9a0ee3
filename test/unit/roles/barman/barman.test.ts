import { describe, expect, it } from 'vitest';
import { NOTHING_LIVE } from '../../../../src/inventory/liveTopology.js';
import { backupCron, barmanCron } from '../../../../src/products/barman/cron.js';
import { barmanConf } from '../../../../src/products/barman/globalConf.js';
import { formatBarmanValue } from '../../../../src/products/barman/ini.js';
import { barmanPgpass } from '../../../../src/products/barman/pgpass.js';
import { barmanPlan } from '../../../../src/products/barman/plan.js';
import { barmanServerConf, serverConfTarget } from '../../../../src/products/barman/serverConf.js';
import { backupTarget, barmanServerName, barmanServers, barmanSlotName, sanitizeServerName } from '../../../../src/products/barman/serverName.js';
import { byName, defaultCluster, twoLocationCluster } from '../fixtures.js';

function settings(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => / = /.test(l) && !l.startsWith(';'))
      .map((l) => l.split(' = ', 2) as [string, string]),
  );
}

describe('Barman server naming', () => {
  it('names the server after the cluster, so it survives a change of primary', () => {
    const c = defaultCluster();
    expect(barmanServers(c)).toEqual([{ name: 'm1', barmanHost: 'gamma', configuredInstance: 'alpha', followsPrimary: true }]);
    expect(barmanServerName(c)).toBe('m1');
  });

  it('sanitizes names and avoids Barman\'s reserved "all"', () => {
    expect(sanitizeServerName('My.Cluster 1')).toBe('my_cluster_1');
    expect(sanitizeServerName('all')).toBe('m1_all');
  });

  it('honours backup_name, checked', () => {
    const c = defaultCluster();
    byName(c, 'alpha').vars['backup_name'] = 'prod';
    expect(barmanServerName(c)).toBe('prod');
    byName(c, 'alpha').vars['backup_name'] = 'Prod DB';
    expect(() => barmanServers(c)).toThrow(/instances\[alpha\]\.vars\.backup_name: expected a Barman server name .*got "Prod DB"/);
  });

  it('refuses backup: naming a host without the barman role', () => {
    const c = defaultCluster();
    byName(c, 'alpha').backup = 'beta';
    expect(() => barmanServers(c)).toThrow(/instances\[alpha\]\.backup: beta is not an instance with the barman role/);
  });

  it('slot backup_<barman host>, sanitized as TPA', () => {
    expect(barmanSlotName('gamma')).toBe('backup_gamma');
    expect(barmanSlotName('bar-man.example')).toBe('backup_bar_manexample');
  });
});

describe('server conf follows the live primary', () => {
  const c = twoLocationCluster();
  const server = barmanServers(c)[0]!;

  it('points at config.yml\'s primary before anything runs', () => {
    const s = settings(barmanServerConf(c, NOTHING_LIVE, server));
    expect(s['conninfo']).toBe('host=alpha port=5432 dbname=postgres user=barman application_name=barman connect_timeout=10 sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt');
    expect(s['streaming_conninfo']).toBe('host=alpha port=5432 dbname=postgres user=streaming_barman application_name=barman_streaming connect_timeout=10 sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt');
    expect(s['ssh_command']).toBe('ssh -q -o BatchMode=yes -o ConnectTimeout=10 postgres@alpha');
  });

  it('points at the live primary after a failover, nothing else changes', () => {
    const live = { primary: 'beta', upstreams: { alpha: 'beta', gamma: 'beta', delta: 'gamma' } };
    expect(backupTarget(c, live, server)).toBe('beta');
    const before = barmanServerConf(c, NOTHING_LIVE, server).split('\n');
    const after = barmanServerConf(c, live, server).split('\n');
    const changed = after.filter((l, i) => l !== before[i]).map((l) => l.split(' = ')[0]);
    expect(changed).toEqual(['conninfo', 'streaming_conninfo', 'ssh_command']);
    expect(serverConfTarget(after.join('\n'))).toBe('beta');
  });

  it('streams WAL through the Barman host\'s slot, creating it when missing', () => {
    const s = settings(barmanServerConf(c, NOTHING_LIVE, server));
    expect(s).toMatchObject({
      streaming_archiver: 'true',
      archiver: 'false',
      slot_name: 'backup_epsilon',
      create_slot: 'auto',
      backup_method: 'rsync',
      reuse_backup: 'link',
      path_prefix: '/usr/lib/postgresql/15/bin',
    });
    expect(barmanServerConf(c, NOTHING_LIVE, server)).toMatch(/^\[m1b\]$/m);
  });

  it('postgres backup method drops the rsync-only options', () => {
    const pg = twoLocationCluster({ barman_backup_method: 'postgres' });
    const s = settings(barmanServerConf(pg, NOTHING_LIVE, barmanServers(pg)[0]!));
    expect(s['backup_method']).toBe('postgres');
    expect(s['reuse_backup']).toBeUndefined();
  });
});

describe('global conf, cron, pgpass', () => {
  it('barman.conf: one backup is enough for barman check; recover copies WAL (no get-wal)', () => {
    const s = settings(barmanConf(defaultCluster()));
    expect(s).toMatchObject({ barman_user: 'barman', barman_home: '/var/lib/barman', configuration_files_directory: '/etc/barman.d', minimum_redundancy: '1' });
    expect(s['recovery_options']).toBeUndefined();
    expect(s['retention_policy']).toBe('RECOVERY WINDOW OF 4 WEEKS');
  });

  it('escapes % for ConfigParser', () => {
    expect(formatBarmanValue('100%')).toBe('100%%');
  });

  it('runs barman cron every minute and backups on the schedule', () => {
    expect(barmanCron()).toContain('* * * * * barman [ -x /usr/bin/barman ] && /usr/bin/barman -q cron');
    expect(backupCron(defaultCluster(), 'm1')).toContain('0 4 * * wed,sat barman [ -x /usr/bin/barman ] && /usr/bin/barman -q backup m1');
    expect(() => backupCron(defaultCluster({ barman_backup_interval: '@daily' }), 'm1')).toThrow(/expected five cron fields/);
  });

  it('~barman/.pgpass matches any host', () => {
    expect(barmanPgpass({ barman: 'a', streaming_barman: 'b' })).toBe('*:*:*:barman:a\n*:*:*:streaming_barman:b\n');
  });
});

describe('barmanPlan', () => {
  const server = barmanServers(defaultCluster())[0]!;
  // What each step shows (the loops around the reset, switch-wal, backup and the wait are not shown).
  const cmds = (steps: ReturnType<typeof barmanPlan>) => steps.map((s) => `${s.host}/${s.user}: ${s.display ?? s.command}`);

  it('first deploy: slot, cron, a WAL switch, the initial backup', () => {
    expect(cmds(barmanPlan({ server, version: 15, target: 'alpha', hasBackups: false, confChanges: true }))).toEqual([
      'gamma/barman: /usr/bin/barman receive-wal --create-slot m1',
      'gamma/barman: /usr/bin/barman cron',
      'gamma/barman: wait until slot backup_gamma on alpha is active',
      'gamma/barman: /usr/bin/barman switch-wal --archive --archive-timeout 60 m1',
      'gamma/barman: /usr/bin/barman backup --wait m1',
    ]);
  });

  it('writes WAL before the switch (a switch at a segment boundary switches nothing)', () => {
    const steps = barmanPlan({ server, version: 15, target: 'alpha', hasBackups: false, confChanges: true });
    const sw = steps.find((s) => s.display?.includes('switch-wal'))!.command;
    expect(sw.indexOf('select txid_current()')).toBeLessThan(sw.indexOf('switch-wal'));
  });

  it('a redeploy with nothing moved does nothing', () => {
    expect(barmanPlan({ server, version: 15, target: 'alpha', previousTarget: 'alpha', hasBackups: true, confChanges: false })).toEqual([]);
  });

  it('after a failover: slot on the new primary, reset streaming, new backup, old slots dropped', () => {
    const steps = barmanPlan({ server, version: 15, target: 'beta', previousTarget: 'alpha', hasBackups: true, confChanges: true, otherPostgresHosts: ['alpha', 'beta', 'gamma'] });
    expect(cmds(steps)).toEqual([
      "gamma/barman: drop slot backup_gamma on beta if it lies before beta's timeline",
      'gamma/barman: /usr/bin/barman receive-wal --create-slot m1',
      'gamma/barman: /usr/bin/barman receive-wal --reset m1',
      'gamma/barman: /usr/bin/barman cron',
      'gamma/barman: wait until slot backup_gamma on beta is active',
      'gamma/barman: /usr/bin/barman switch-wal --archive --archive-timeout 60 m1',
      'gamma/barman: /usr/bin/barman backup --wait m1',
      "gamma/barman: /usr/lib/postgresql/15/bin/pg_receivewal --drop-slot --slot=backup_gamma '--dbname=host=alpha port=5432 user=streaming_barman connect_timeout=5 sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt' --no-password && echo dropped",
      "gamma/barman: /usr/lib/postgresql/15/bin/pg_receivewal --drop-slot --slot=backup_gamma '--dbname=host=gamma port=5432 user=streaming_barman connect_timeout=5 sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt' --no-password && echo dropped",
    ]);
    expect(steps.find((s) => s.command.includes('host=alpha'))!.tolerateFailure).toBe(true);
    // On the new primary only a slot left before its timeline goes (the first step); the cleanup never touches it.
    expect(steps.slice(1).some((s) => s.command.includes('--drop-slot') && s.command.includes('host=beta'))).toBe(false);
    expect(steps[0]!.alreadyDone!.test('kept')).toBe(true);
    expect(steps[0]!.alreadyDone!.test('dropped: its position lies before timeline 3 began at 0/10063D40')).toBe(false);
    expect(steps[1]!.alreadyDone!.test("Replication slot 'backup_gamma' already exists")).toBe(true);
  });
});
