import { describe, expect, it } from 'vitest';
import { PRIMARY_CONNINFO_VERIFIES_SQL, verifyingPrimaryConninfoSql } from './primaryConninfo.js';

describe("a standby's primary_conninfo verifying its upstream", () => {
  it('is rewritten as repmgr writes it from the verifying repmgr DSN (upstream by name, own name as application_name, passfile), then reloaded', () => {
    const sql = verifyingPrimaryConninfoSql('alpha', 'beta');
    expect(sql).toBe(
      "ALTER SYSTEM SET primary_conninfo = 'host=alpha port=5432 dbname=repmgr user=repmgr sslmode=verify-full sslrootcert=/etc/m1/ssl/ca.crt application_name=beta passfile=/var/lib/postgresql/.pgpass';\n" +
        'SELECT pg_reload_conf();\n',
    );
  });

  it('is read as a yes or no on a standby only: the value itself never leaves the host', () => {
    expect(PRIMARY_CONNINFO_VERIFIES_SQL).toContain("current_setting('primary_conninfo') ~ 'sslmode=''?verify-full'");
    expect(PRIMARY_CONNINFO_VERIFIES_SQL).toMatch(/WHERE pg_is_in_recovery\(\)$/);
  });

  it("recognises repmgr's quoted values (clone, follow, rejoin) and m1's bare ones; an unverified or absent sslmode is no", () => {
    // The SQL literal's pattern, '' read as one quote, as Postgres's ~ sees it.
    const literal = /~ '((?:[^']|'')*)'/.exec(PRIMARY_CONNINFO_VERIFIES_SQL)![1]!.replace(/''/g, "'");
    const verifies = (conninfo: string) => new RegExp(literal).test(conninfo);
    // Recorded: current_setting('primary_conninfo') after repmgr 5.3 wrote it (standby clone --replication-conf-only, as follow does).
    expect(verifies("user=repmgr connect_timeout=2 host='m1e2e2lo-sparrow' port=5432 keepalives=1 keepalives_idle=5 keepalives_interval=2 keepalives_count=3 tcp_user_timeout=5000 sslmode='verify-full' sslrootcert='/etc/m1/ssl/ca.crt' fallback_application_name=repmgr options='-csearch_path=' application_name='m1e2e2lo-stork' passfile='/var/lib/postgresql/.pgpass'")).toBe(true);
    expect(verifies(verifyingPrimaryConninfoSql('alpha', 'beta'))).toBe(true);
    expect(verifies('host=alpha port=5432 user=repmgr application_name=beta')).toBe(false);
    expect(verifies("host=alpha sslmode='prefer'")).toBe(false);
  });
});
