import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { restartHaproxyCommand } from './restartCommand.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-haproxy-restart-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fake(name: string, body: string): Promise<void> {
  await writeFile(join(dir, name), `#!/bin/sh\n${body}\n`);
  await chmod(join(dir, name), 0o755);
}

function sh(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { env: { ...process.env, PATH: `${dir}:${process.env.PATH}` } }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

// As haproxy 2.6.12 logged it under systemd when a package's Postgres held 5432.
const JOURNAL = [
  'Starting haproxy.service - HAProxy Load Balancer...',
  '[NOTICE]   (200) : haproxy version is 2.6.12-1+deb12u3',
  '[ALERT]    (200) : Binding [/etc/haproxy/haproxy.cfg:28] for frontend pg_write: cannot bind socket (Address already in use) for [0.0.0.0:5432]',
  '[ALERT]    (200) : [/usr/sbin/haproxy.main()] Some protocols failed to start their listeners! Exiting.',
  'haproxy.service: Failed with result \'exit-code\'.',
].join('\n');

describe('restarting HAProxy', () => {
  it('a failed restart keeps systemctl\'s status and ends stderr with HAProxy\'s alerts', async () => {
    await fake('systemctl', 'echo "Job for haproxy.service failed because the control process exited with error code." >&2; exit 1');
    await fake('journalctl', `echo "$*" > ${join(dir, 'args')}; cat <<'J'\n${JOURNAL}\nJ`);
    const r = await sh(restartHaproxyCommand('haproxy'));
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^Job for haproxy.service failed/);
    expect(lines.slice(-2)[0]).toMatch(/cannot bind socket \(Address already in use\) for \[0\.0\.0\.0:5432\]$/);
    expect(lines).toHaveLength(3);
    expect(await readFile(join(dir, 'args'), 'utf8')).toBe('-u haproxy -n 40 --no-pager -o cat\n');
  });

  it('a restart that works reads no journal', async () => {
    await fake('systemctl', 'exit 0');
    await fake('journalctl', `touch ${join(dir, 'read')}`);
    const r = await sh(restartHaproxyCommand('haproxy'));
    expect(r.code).toBe(0);
    await expect(readFile(join(dir, 'read'))).rejects.toThrow();
  });
});
