import { describe, expect, it } from 'vitest';
import { repmgrConf } from '../../../../src/products/repmgr/repmgrConf.js';
import { restoreCommandChange, wantedRestoreCommand } from '../../../../src/products/repmgr/restoreCommand.js';
import { byName, defaultCluster } from '../fixtures.js';

const BARMAN = /^\/usr\/bin\/barman-wal-restore -U barman -z -p 8 --port 22 \S+ \S+ %f %p$/;

describe('restore_command on repmgr data nodes', () => {
  it('is off by default: repmgr.conf names none and none is wanted', () => {
    const c = defaultCluster();
    expect(wantedRestoreCommand(c, byName(c, 'beta'))).toBeUndefined();
    expect(repmgrConf(c, byName(c, 'beta'))).not.toMatch(/restore_command/);
  });

  it('with repmgr_restore_from_barman: true, fetches WAL from the Barman host, in repmgr.conf too', () => {
    const c = defaultCluster({ repmgr_restore_from_barman: true });
    const want = wantedRestoreCommand(c, byName(c, 'beta'));
    expect(want).toMatch(BARMAN);
    expect(repmgrConf(c, byName(c, 'beta'))).toContain(`restore_command = '${want}'`);
  });

  it('a node that already holds what is wanted needs nothing (an empty value counts as none)', () => {
    expect(restoreCommandChange(15, undefined, undefined)).toBeUndefined();
    expect(restoreCommandChange(15, '', undefined)).toBeUndefined();
    expect(restoreCommandChange(15, 'x %f %p', 'x %f %p')).toBeUndefined();
  });

  it('a value left by an earlier clone is reset when the variable is off', () => {
    const change = restoreCommandChange(15, '/usr/bin/barman-wal-restore old', undefined)!;
    expect(change.sql).toBe('ALTER SYSTEM RESET restore_command;\nSELECT pg_reload_conf();\n');
    expect(change.name).toMatch(/^restore_command: reset in postgresql.auto.conf/);
    expect(change.name).not.toMatch(/restart/);
  });

  it('is set as an SQL literal (a quote doubled), and before 15 says it applies at the next restart', () => {
    const change = restoreCommandChange(14, undefined, "cp '/arch/%f' %p")!;
    expect(change.sql).toBe("ALTER SYSTEM SET restore_command = 'cp ''/arch/%f'' %p';\nSELECT pg_reload_conf();\n");
    expect(change.name).toMatch(/\(applies at the next restart\)$/);
  });

  it('before 12 leaves recovery.conf to repmgr', () => {
    expect(restoreCommandChange(11, 'x', undefined)).toBeUndefined();
  });
});
