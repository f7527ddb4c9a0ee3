import { describe, expect, it } from 'vitest';
import { parseRestoreFinish, restoreFinishCommand, restorePrepareCommand, restoreStartCommand, restoreStartConf } from './restoredStart.js';

describe('the restored server started to its target', () => {
  it("reads its own small configuration: no network, no hot standby, the data directory's pg_hba", () => {
    const conf = restoreStartConf();
    expect(conf).toContain("listen_addresses = ''");
    expect(conf).toContain('hot_standby = off');
    expect(conf).toContain("hba_file = '/opt/postgres/data/pg_hba.conf'");
    expect(conf).not.toMatch(/ssl|shared_preload_libraries/);
  });

  it('pg_ctl start -w as postgres with that file, waiting as long as asked; the log tail on failure', () => {
    const c = restoreStartCommand(15, 3600);
    expect(c).toContain('pg_ctl -D /opt/postgres/data -o '); expect(c).toContain('config_file=/opt/postgres/m1-restore.conf'); expect(c).toContain('-l /opt/postgres/m1-restore.log -w -t 3600 start');
    expect(c).toMatch(/if ! \{ cd \/ && runuser -u postgres .*; \} >\/dev\/null; then/);
    expect(c).toContain('tail -n 15 /opt/postgres/m1-restore.log >&2; exit 1');
    // pg_ctl -w returns at the consistent point: then it waits for the promotion, and fails once the server is gone.
    expect(c).toMatch(/until \[ "\$\(cd \/ && runuser .*select pg_is_in_recovery\(\).* = f \]; do/);
    expect(c).toMatch(/pg_ctl -D \/opt\/postgres\/data status.*the server stopped before it promoted/);
    expect(c).toContain('-ge 7200 ]; then echo "not promoted after 3600 s:"');
  });

  it("after the promotion: repmgr's database of the source dropped, the server stopped, Barman's auto.conf change undone", () => {
    const c = restoreFinishCommand(15, 'repmgr');
    expect(c).toContain('drop database if exists "repmgr"');
    expect(c).toContain('pg_ctl -D /opt/postgres/data -m fast -w -t 300 stop');
    expect(c).toContain('mv /opt/postgres/data/postgresql.auto.conf.origin /opt/postgres/data/postgresql.auto.conf');
    expect(restoreFinishCommand(15, undefined)).not.toContain('drop database');
  });

  it('reads where recovery stopped from the new timeline history file', () => {
    // Recorded on PostgreSQL 15.18 after a restore to 2026-12-07 02:51:04.966961+00 (the next commit was at 02:51:05.245459).
    const out = ['m1:restore:recovery', 'f', 'm1:restore:history', '00000002.history', '1\t0/90315F8\tbefore 2026-12-07 02:51:05.245459+00', 'm1:restore:done', ''].join('\n');
    expect(parseRestoreFinish(out)).toEqual({ inRecovery: false, timeline: 2, stopLsn: '0/90315F8', reason: 'before 2026-12-07 02:51:05.245459+00', done: true });
    expect(restoreFinishCommand(15, undefined)).toContain('grep . "$f" | tail -n 1');
    expect(parseRestoreFinish('m1:restore:recovery\nt\n')).toEqual({ inRecovery: true, done: false });
  });

  it('before recover: refuses a data directory that is not empty (exit 3), authorizes the key on stdin once', () => {
    const c = restorePrepareCommand(15);
    expect(c).toMatch(/is not empty: m1 restore never writes over a data directory" >&2; exit 3/);
    expect(c).toContain('grep -qxF "$k" /var/lib/postgresql/.ssh/authorized_keys');
    expect(c).toContain('pg_dropcluster');
  });
});
