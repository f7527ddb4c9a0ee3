import { describe, expect, it } from 'vitest';
import { scramVerifier } from '../../../../src/secrets/scram.js';
import { databaseLine, databasesIni, databasesTarget, pgbouncerDatabases } from '../../../../src/products/pgbouncer/databases.js';
import { pgbouncerIni } from '../../../../src/products/pgbouncer/ini.js';
import { parseNotifyProbe, pgbouncerChangeAction, pgbouncerServiceUnit } from '../../../../src/products/pgbouncer/service.js';
import { adminVerifierIn, userlistTxt } from '../../../../src/products/pgbouncer/userlist.js';
import { pgbouncerHba } from '../../../../src/products/pgbouncer/hba.js';
import { byName, twoLocationCluster } from '../fixtures.js';

function ini(c = twoLocationCluster(), host = 'beta'): Record<string, string> {
  const text = pgbouncerIni({ cluster: c, instance: byName(c, host), memoryMb: 4096 });
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => /^[a-z_]+ = /.test(l))
      .map((l) => l.split(' = ', 2) as [string, string]),
  );
}

describe('pgbouncer.databases.ini', () => {
  it('sends every database to the primary with pgbouncer_auth_user', () => {
    const text = databasesIni(pgbouncerDatabases(twoLocationCluster()), 'alpha');
    expect(text.split('\n')[1]).toBe('* = host=alpha port=5432 auth_user=pgbouncer_auth_user');
    expect(databasesTarget(text)).toBe('alpha');
  });

  it('is the same text whoever renders it for the same primary (deploy and the promote hook)', () => {
    const dbs = pgbouncerDatabases(twoLocationCluster());
    expect(databasesIni(dbs, 'gamma')).toBe(databasesIni(dbs, 'gamma'));
    expect(databasesIni(dbs, 'gamma')).not.toBe(databasesIni(dbs, 'alpha'));
  });

  it('takes pgbouncer_databases with options, keeping host/port/auth_user to itself', () => {
    const c = twoLocationCluster({ pgbouncer_databases: ['*', { name: 'app', options: { pool_size: 5, dbname: 'appdb' } }] });
    const dbs = pgbouncerDatabases(c);
    expect(databaseLine(dbs[1]!, 'beta')).toBe('app = host=beta port=5432 auth_user=pgbouncer_auth_user dbname=appdb pool_size=5');
    const bad = twoLocationCluster({ pgbouncer_databases: [{ name: 'app', options: { host: 'x' } }] });
    expect(() => pgbouncerDatabases(bad)).toThrow(/pgbouncer_databases\[0\]\.options\.host: host is set by m1/);
  });
});

describe('pgbouncer.ini', () => {
  it('listens on 6432 on every address, TLS required for clients and servers', () => {
    const s = ini();
    expect(s['listen_addr']).toBe('*');
    expect(s['listen_port']).toBe('6432');
    expect(s['client_tls_sslmode']).toBe('require');
    expect(s['client_tls_cert_file']).toBe('/etc/m1/ssl/beta.crt');
    expect(s['client_tls_key_file']).toBe('/etc/m1/ssl/beta.key');
    expect(s['server_tls_sslmode']).toBe('verify-full');
    expect(s['server_tls_ca_file']).toBe('/etc/m1/ssl/ca.crt');
  });

  it('authenticates through its hba file and auth_query with pgbouncer_auth_user', () => {
    const s = ini();
    expect(s['auth_type']).toBe('hba');
    expect(s['auth_hba_file']).toBe('/etc/pgbouncer/pgbouncer_hba.conf');
    expect(s['auth_user']).toBe('pgbouncer_auth_user');
    expect(s['auth_query']).toBe('SELECT * FROM public.pgbouncer_get_auth($1)');
    expect(s['auth_file']).toBe('/etc/pgbouncer/userlist.txt');
    expect(s['auth_dbname']).toBeUndefined(); // unknown to PgBouncer 1.18
  });

  it('pools by session by default, 90% of the backends\' max_connections for clients', () => {
    const s = ini();
    expect(s['pool_mode']).toBe('session');
    expect(s['max_client_conn']).toBe('225');
    expect(ini(twoLocationCluster({ max_connections: 100, pgbouncer_pool_mode: 'transaction' }))).toMatchObject({ max_client_conn: '90', pool_mode: 'transaction' });
    expect(() => ini(twoLocationCluster({ pgbouncer_pool_mode: 'sessions' }))).toThrow(/expected one of session, transaction, statement/);
  });

  it('includes the databases file in [databases]', () => {
    const c = twoLocationCluster();
    expect(pgbouncerIni({ cluster: c, instance: byName(c, 'alpha'), memoryMb: 4096 })).toContain('[databases]\n%include /etc/pgbouncer/pgbouncer.databases.ini\n');
  });
});

describe('userlist.txt', () => {
  const v = scramVerifier('admin-pw', { salt: Buffer.alloc(16, 3) });
  it('holds the admin verifier and the auth user password', () => {
    expect(userlistTxt('authpw', v)).toBe(`"pgbouncer" "${v}"\n"pgbouncer_auth_user" "authpw"\n`);
  });
  it('gives back the stored admin verifier so its salt can be reused', () => {
    expect(adminVerifierIn(userlistTxt('authpw', v))).toBe(v);
    expect(adminVerifierIn('')).toBeUndefined();
  });
  it('refuses a plaintext admin password', () => {
    expect(() => userlistTxt('a', 'plain')).toThrow(/needs a SCRAM verifier/);
  });
});

describe('pgbouncer.service', () => {
  it('runs PgBouncer in the foreground as postgres, reload = HUP', () => {
    const unit = pgbouncerServiceUnit();
    expect(unit).toMatch(/^User=postgres$/m);
    expect(unit).toMatch(/^ExecStart=\/usr\/sbin\/pgbouncer \/etc\/pgbouncer\/pgbouncer\.ini$/m);
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m);
    // A PgBouncer killed by a reload sent before it handles SIGHUP (a clean exit to systemd) starts again.
    expect(unit).toMatch(/^RestartForceExitStatus=SIGHUP$/m);
    expect(unit).not.toContain(' -d ');
  });
  it('is Type=notify only for a binary built with systemd support (Debian 11 has none)', () => {
    expect(pgbouncerServiceUnit({ notify: true })).toMatch(/^Type=notify$/m);
    expect(pgbouncerServiceUnit({ notify: false })).toMatch(/^Type=simple$/m);
    expect(parseNotifyProbe('simple\n')).toBe(false);
    expect(parseNotifyProbe('notify\n')).toBe(true);
    // Not installed yet (check mode): assume the systemd-aware build.
    expect(parseNotifyProbe('')).toBe(true);
  });
  it('restarts for the ini, reloads for databases and users', () => {
    expect(pgbouncerChangeAction(['databases'])).toBe('reload');
    expect(pgbouncerChangeAction(['userlist', 'ini'])).toBe('restart');
    expect(pgbouncerChangeAction([])).toBe('none');
  });
});

describe('pgbouncer_hba.conf', () => {
  const rules = (c = twoLocationCluster()) =>
    pgbouncerHba(c)
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => l.split(/\s+/));
  /** The names of a user column, quotes taken off. */
  const names = (column: string) => column.split(',').map((n) => n.replace(/^"(.*)"$/, '$1'));

  it('refuses userlist.txt\'s users and every superuser or service user over TCP before any client line; the admin console only on the socket', () => {
    const r = rules();
    const firstClient = r.findIndex((f) => f[0] === 'hostssl');
    const refusals = r.filter((f) => f[4] === 'reject');
    expect(refusals.map((f) => [f[0], f[1], f[3]])).toEqual([['host', 'all', '0.0.0.0/0'], ['host', 'all', '::/0']]);
    expect(r.indexOf(refusals[1]!)).toBeLessThan(firstClient);
    for (const u of ['pgbouncer', 'pgbouncer_auth_user', 'postgres', 'repmgr', 'barman', 'streaming_barman', 'replication']) expect(names(refusals[0]![2]!), u).toContain(u);
    expect(r.filter((f) => names(f[2]!).includes('pgbouncer') && f[4] !== 'reject')).toEqual([['local', 'all', '"pgbouncer"', 'scram-sha-256']]);
  });

  it('lets clients in over TLS with SCRAM from postgres_client_networks only', () => {
    expect(rules().filter((f) => f[0] === 'hostssl')).toEqual([['hostssl', 'all', 'all', '0.0.0.0/0', 'scram-sha-256']]);
    const narrow = rules(twoLocationCluster({ postgres_client_networks: ['10.1.0.0/16', 'fd00::/8'] }));
    expect(narrow.filter((f) => f[0] === 'hostssl').map((f) => f[3])).toEqual(['10.1.0.0/16', 'fd00::/8']);
  });

  it('refuses an application user given SUPERUSER too', () => {
    const c = twoLocationCluster({ postgres_users: [{ username: 'boss', role_attrs: ['superuser'] }, 'app2'] });
    const refused = names(rules(c).find((f) => f[4] === 'reject')![2]!);
    expect(refused).toContain('boss');
    expect(refused).not.toContain('app2');
  });

  it('uses only what PgBouncer 1.18 parses: quoted user names (a bare `replication` there drops the line), address/prefix, reject or scram-sha-256', () => {
    for (const f of rules(twoLocationCluster({ postgres_users: [{ username: 'boss', role_attrs: ['superuser'] }] }))) {
      expect(['local', 'host', 'hostssl']).toContain(f[0]);
      expect(f[1]).toBe('all');
      if (f[2] !== 'all') expect(f[2]).toMatch(/^"[a-z_][a-z0-9_]*"(,"[a-z_][a-z0-9_]*")*$/);
      if (f[0] !== 'local') expect(f[3]).toMatch(/^[0-9a-f.:]+\/\d+$/);
      expect(['reject', 'scram-sha-256']).toContain(f.at(-1));
    }
  });
});
