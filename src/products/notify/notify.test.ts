import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notifyScript, repmgrEventCommand } from './notify.js';

async function until(check: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return check();
}

describe('m1-notify', () => {
  it('hands the event to the user command with its arguments, and returns before the command ends', async () => {
    const d = mkdtempSync(join(tmpdir(), 'm1-notify-'));
    try {
      const hook = join(d, 'hook');
      writeFileSync(hook, `#!/bin/sh\nsleep 1\necho "$@" > ${d}/got\n`);
      chmodSync(hook, 0o755);
      const t0 = Date.now();
      const r = spawnSync('sh', ['-s', 'repmgr', 'standby_promote', 'node-b', '1'], { input: notifyScript(hook), encoding: 'utf8' });
      expect(r.status).toBe(0);
      expect(Date.now() - t0).toBeLessThan(900);
      expect(await until(() => existsSync(join(d, 'got')), 5000)).toBe(true);
      expect(readFileSync(join(d, 'got'), 'utf8')).toBe('repmgr standby_promote node-b 1\n');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('exits 0 even when the user command is missing (a failed hook never fails a failover)', () => {
    expect(spawnSync('sh', ['-s', 'm1', 'fence', 'a', '1'], { input: notifyScript('/nonexistent/hook'), encoding: 'utf8' }).status).toBe(0);
  });

  it("repmgr's command passes the event, the node name and success, never repmgr's unquoted details", () => {
    expect(repmgrEventCommand()).toBe('/usr/local/sbin/m1-notify repmgr %e %a %s');
    expect(repmgrEventCommand()).not.toContain('%d');
  });
});
