import { execFile, spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { asBarman, barmanCheckCommand, dropSlotCommand, receiveWalRunningCommand, waitForStreamingCommand, withWalNudge } from './commands.js';
import { stopAndResetReceiveWal } from './plan.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'm1-barman-cmd-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs a script with a real sh, `dir` first in PATH (for fake programs) and as the working directory. */
function sh(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('sh', ['-c', script], { cwd: dir, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function fake(name: string, body: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, `#!/bin/sh\n${body}\n`);
  await chmod(path, 0o755);
  return path;
}

describe('barman command builders', () => {
  it('runs Barman as barman with the server name quoted', () => {
    expect(barmanCheckCommand('m1')).toMatch(/^runuser -u barman -- sh -c 'out=\$\(\/usr\/bin\/barman check m1 2>&1\)/);
    expect(asBarman("echo 'a b'")).toBe(`runuser -u barman -- sh -c 'echo '\\''a b'\\'''`);
  });

  it('nudges WAL while the command waits, and keeps its exit status', async () => {
    await fake('psql', `echo x >> ${join(dir, 'nudges')}`);
    // The "command" waits until a nudge happened, as Barman waits for the next segment.
    const waits = `sh -c 'i=0; while [ ! -s nudges ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; [ -s nudges ] && exit 3'`;
    const r = await sh(withWalNudge(waits, 'alpha', 10));
    expect(r.code).toBe(3);
    expect((await readFile(join(dir, 'nudges'), 'utf8')).split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(1);
  });

  it('with first, writes WAL before the command starts, so a switch at a segment boundary still switches', async () => {
    await fake('psql', `echo x >> ${join(dir, 'nudges')}`);
    // A "switch-wal" that finds nothing to switch unless WAL was written before it started.
    const switchWal = `sh -c '[ -s nudges ] && exit 0; exit 4'`;
    expect((await sh(withWalNudge(switchWal, 'alpha', 10, { first: true }))).code).toBe(0);
    await rm(join(dir, 'nudges'), { force: true });
    expect((await sh(withWalNudge(switchWal, 'alpha', 10))).code).toBe(4);
  });

  it('stops nudging after the limit even if the command still runs', async () => {
    await fake('psql', `echo x >> ${join(dir, 'nudges')}`);
    const r = await sh(withWalNudge('sleep 2', 'alpha', 1));
    expect(r.code).toBe(0);
    expect((await readFile(join(dir, 'nudges'), 'utf8')).split('\n').filter(Boolean)).toHaveLength(1);
  });

  it('retries the reset while barman cron restarted receive-wal, then stops', async () => {
    // A fake barman: the reset reports a running process twice, then resets.
    const bin = await fake(
      'barman',
      `echo "$@" >> ${join(dir, 'calls')}
case "$*" in
  *--reset*) n=$(grep -c -- --reset ${join(dir, 'calls')}); if [ "$n" -le 2 ]; then echo "Unable to reset the status of receive-wal for server m1. Process is still running"; else echo "Resetting receive-wal directory status"; fi ;;
esac`,
    );
    const r = await sh(stopAndResetReceiveWal('m1').replaceAll('/usr/bin/barman', bin));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Resetting receive-wal directory status');
    const calls = (await readFile(join(dir, 'calls'), 'utf8')).trim().split('\n');
    expect(calls).toEqual(['receive-wal --stop m1', 'receive-wal --reset m1', 'receive-wal --stop m1', 'receive-wal --reset m1', 'receive-wal --stop m1', 'receive-wal --reset m1']);
  });

  it('gives up on the reset after the bounded attempts', async () => {
    const bin = await fake('barman', 'case "$*" in *--reset*) echo "Process is still running" ;; esac');
    const r = await sh(stopAndResetReceiveWal('m1', 2).replaceAll('/usr/bin/barman', bin));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('receive-wal kept running after 2 attempts');
  });

  it('passes the reset error through', async () => {
    const bin = await fake('barman', 'case "$*" in *--reset*) echo "ERROR: The receive-wal position is ahead of PostgreSQL current WAL lsn" >&2; exit 1 ;; esac');
    const r = await sh(stopAndResetReceiveWal('m1').replaceAll('/usr/bin/barman', bin));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('ahead of PostgreSQL');
  });

  it('drops a slot over a replication connection and says so', async () => {
    const cmd = dropSlotCommand(15, 'alpha', 'backup_gamma');
    expect(cmd).toContain('/usr/lib/postgresql/15/bin/pg_receivewal --drop-slot --slot=backup_gamma');
    const ok = await fake('pgrw', 'exit 0');
    expect((await sh(cmd.replace('/usr/lib/postgresql/15/bin/pg_receivewal', ok))).stdout).toBe('dropped\n');
    const no = await fake('pgrw2', 'echo "replication slot \\"backup_gamma\\" is active" >&2; exit 1');
    const r = await sh(cmd.replace('/usr/lib/postgresql/15/bin/pg_receivewal', no));
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });
});

describe('waiting for pg_receivewal', () => {
  it('waits until the slot is active, bounded', async () => {
    // A fake psql: the slot becomes active on the third look.
    await fake('psql', `echo x >> ${join(dir, 'looks')}; [ "$(wc -l < ${join(dir, 'looks')})" -ge 3 ] && echo t || echo f`);
    const r = await sh(waitForStreamingCommand('alpha', 'backup_gamma', 10));
    expect(r.code).toBe(0);
    expect((await readFile(join(dir, 'looks'), 'utf8')).trim().split('\n')).toHaveLength(3);
  });

  it('gives up with a message naming the host and slot', async () => {
    await fake('psql', 'echo f');
    const r = await sh(waitForStreamingCommand('alpha', 'backup_gamma', 1));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Barman is not streaming WAL from alpha through slot backup_gamma');
  });
});

describe('is receive-wal running?', () => {
  it("finds a process whose arguments end with `receive-wal <server>`, and not another server's", async () => {
    // A stand-in process with barman's arguments: cmdline "python3 -c ... -q receive-wal m1-x.y".
    const child = spawn('python3', ['-c', 'import time; time.sleep(30)', '-q', 'receive-wal', 'm1-x.y'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect((await sh(receiveWalRunningCommand('m1-x.y'))).code).toBe(0);
      expect((await sh(receiveWalRunningCommand('m1-x'))).code).toBe(1);
      expect((await sh(receiveWalRunningCommand('m1-xzy'))).code).toBe(1);
    } finally {
      child.kill();
    }
  });
});
