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
    expect(PRIMARY_CONNINFO_VERIFIES_SQL).toContain("position('sslmode=verify-full' in current_setting('primary_conninfo')) > 0");
    expect(PRIMARY_CONNINFO_VERIFIES_SQL).toMatch(/WHERE pg_is_in_recovery\(\)$/);
  });
});
