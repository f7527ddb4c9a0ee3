import { describe, expect, it } from 'vitest';
import { backupNowCommand, parseBackupResult } from './backupNow.js';

describe('m1 backup on the Barman host', () => {
  it('removes the check record first, then runs barman -f json backup --wait as barman, nudging WAL on the target', () => {
    const cmd = backupNowCommand('m1', 'alpha', '/var/lib/m1/barman/m1.check-passed', 300);
    const lines = cmd.split('\n');
    expect(lines[0]).toBe('rm -f /var/lib/m1/barman/m1.check-passed || exit 1');
    expect(lines[1]).toBe("runuser -u barman -- sh -c '/usr/bin/barman -f json backup --wait --wait-timeout 300 m1' &");
    expect(cmd).toContain('host=alpha ');
    expect(cmd).toMatch(/-lt 360 \]/);
  });

  it("reads Barman's result: id, DONE, size", () => {
    // JsonOutputWriter.result_backup: backup.info as a dictionary, messages under _INFO.
    const out = JSON.stringify({ _INFO: ['Starting backup using rsync-concurrent method for server m1'], backup_id: '20261206T141502', status: 'DONE', size: 23068672, error: null, begin_time: 'Sun Dec  6 14:15:02 2026' });
    expect(parseBackupResult(out)).toEqual({ id: '20261206T141502', status: 'DONE', sizeBytes: 23068672, errors: [], ok: true });
  });

  it("a failed backup carries Barman's error and its _ERROR lines", () => {
    const out = JSON.stringify({ _ERROR: ['Backup failed issuing start backup command.\nDETAILS: connection refused'], backup_id: '20261206T141502', status: 'FAILED', error: 'failure issuing start backup command (connection refused)' });
    const r = parseBackupResult(out);
    expect(r.ok).toBe(false);
    expect(r.id).toBe('20261206T141502');
    expect(r.errors).toEqual(['Backup failed issuing start backup command.\nDETAILS: connection refused', 'failure issuing start backup command (connection refused)']);
  });

  it('a backup still waiting for WAL is not done', () => {
    expect(parseBackupResult('{"backup_id": "x", "status": "WAITING_FOR_WALS"}').errors).toEqual(['the backup ended WAITING_FOR_WALS, not DONE']);
  });

  it('output that is not JSON is the error itself (Barman stopped before its result)', () => {
    expect(parseBackupResult('', 'ERROR: Another backup process is running\n')).toEqual({ errors: ['ERROR: Another backup process is running'], ok: false });
    expect(parseBackupResult('', '').errors).toEqual(['Barman printed nothing']);
  });
});
