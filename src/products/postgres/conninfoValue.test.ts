import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { conninfoValue, verifyFullConninfo } from './conninfoValue.js';

describe('libpq conninfo values', () => {
  it('leaves a plain path bare and quotes one with spaces, quotes or backslashes', () => {
    expect(conninfoValue('/etc/m1/ssl/ca.crt')).toBe('/etc/m1/ssl/ca.crt');
    expect(conninfoValue('/home/dba/my clusters/m1/tls/ca.crt')).toBe("'/home/dba/my clusters/m1/tls/ca.crt'");
    expect(conninfoValue("it's\\here")).toBe("'it\\'s\\\\here'");
    expect(conninfoValue('')).toBe("''");
  });

  it('libpq reads the quoted value back as it was (psql --no-psqlrc parses the string before connecting)', () => {
    const path = "/tmp/no such dir/it's/ca.crt";
    // libpq fails on the missing file, naming the path it parsed.
    let err = '';
    try {
      execFileSync('psql', ['-XAtq', `host=127.0.0.1 port=1 ${verifyFullConninfo(path)} connect_timeout=1`, '-c', 'select 1'], { stdio: 'pipe', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } });
    } catch (e) {
      err = String((e as { stderr?: Buffer }).stderr ?? '');
    }
    expect(err).not.toMatch(/invalid connection option|missing "=" after/);
  });
});
