import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PGBOUNCER_UNIT_NOT_LOADED } from './service.js';

/** Runs the check with a stand-in systemctl that says `fragment` is the loaded unit file. */
function notLoaded(fragment: string): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'm1-systemctl-'));
  writeFileSync(join(dir, 'systemctl'), `#!/bin/sh\necho '${fragment}'\n`);
  chmodSync(join(dir, 'systemctl'), 0o755);
  try {
    execFileSync('sh', ['-c', PGBOUNCER_UNIT_NOT_LOADED], { env: { PATH: `${dir}:/usr/bin:/bin` } });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('PGBOUNCER_UNIT_NOT_LOADED', () => {
  it("is true while systemd runs the package's unit (Debian 12's /lib, Debian 11's generated one), false once it runs m1's", () => {
    expect(notLoaded('/lib/systemd/system/pgbouncer.service')).toBe(true);
    expect(notLoaded('/run/systemd/generator.late/pgbouncer.service')).toBe(true);
    expect(notLoaded('/etc/systemd/system/pgbouncer.service')).toBe(false);
  });
});
