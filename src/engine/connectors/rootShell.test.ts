import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { killSessionCommand, parseWhoAmI, rootShellCommand, WHO_AM_I } from './rootShell.js';

/** Runs (a zombie, dead but not yet reaped by a parent that may never do it here, does not). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

describe('rootShellCommand', () => {
  it('runs sh for root and sudo -n sh (never a password prompt) for any other login', () => {
    expect(rootShellCommand('root')).toBe('sh');
    expect(rootShellCommand('admin')).toBe('sudo -n sh');
    expect(rootShellCommand('rooter')).toBe('sudo -n sh');
  });
});

describe('WHO_AM_I / parseWhoAmI', () => {
  it('reads the uid and the session id of the shell running it', () => {
    // setsid: a session of its own (sshd gives each login one), whatever session this runner has (CI's may be 0).
    const [uidLine = '', sidLine = '', pid = ''] = execFileSync('setsid', ['sh', '-c', `${WHO_AM_I}; echo $$`], { encoding: 'utf8' }).split('\n');
    const who = parseWhoAmI(`${uidLine}\n${sidLine}\n`);
    expect(who.uid).toBe(String(process.getuid!()));
    // The shell leads the session setsid made: its session id is its own pid.
    expect(who.sessionId).toBe(Number(pid));
  });
  it('leaves the session id out when it is missing, 0, 1 or not a number', () => {
    expect(parseWhoAmI('0\n')).toEqual({ uid: '0' });
    expect(parseWhoAmI('0\n1\n')).toEqual({ uid: '0' });
    expect(parseWhoAmI('0\n0\n')).toEqual({ uid: '0' });
    expect(parseWhoAmI('0\nx\n')).toEqual({ uid: '0' });
    expect(parseWhoAmI('1000\n4242\n')).toEqual({ uid: '1000', sessionId: 4242 });
  });
});

describe('killSessionCommand', () => {
  it('refuses session ids that are not a process of its own (0 is pkill\'s own session, 1 init\'s)', () => {
    for (const bad of [0, 1, -5, 2.5, NaN]) expect(() => killSessionCommand(bad)).toThrow(/not a session id/);
  });
  it('kills every process of another session, its children too, and exits 0; 0 again when nothing is left', async () => {
    // A session like sshd's: a shell leading it, running a command that has a child of its own.
    // Durations of this run's own, so that another run of the suite beside it is not counted.
    const a = 10_000 + Math.floor(Math.random() * 80_000);
    const leader = spawn('setsid', ['sh', '-c', `sh -c "sleep ${a}; :" & sleep ${a + 1}; :`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const pids = () =>
      execFileSync('sh', ['-c', `pgrep -f "^sleep (${a}|${a + 1})$" || true`], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number);
    const before = pids();
    expect(before).toHaveLength(2);
    const sid = Number(execFileSync('ps', ['-o', 'sid=', '-p', String(before[0])], { encoding: 'utf8' }).trim());
    expect(sid).not.toBe(Number(execFileSync('ps', ['-o', 'sid=', '-p', String(process.pid)], { encoding: 'utf8' }).trim()));
    execFileSync('sh', ['-c', killSessionCommand(sid)]);
    await new Promise((r) => setTimeout(r, 200));
    expect(before.filter(alive)).toEqual([]);
    expect(pids()).toEqual([]);
    execFileSync('sh', ['-c', killSessionCommand(sid)]);
    leader.kill();
  });
  it('does nothing (exit 1) when asked to kill the session it runs in', async () => {
    // A shell leading a session of its own prints its session id, then runs the command built for that id.
    const sh = spawn('setsid', ['sh', '-c', 'read -r _ _ _ _ _ sid _ < /proc/$$/stat; echo "$sid"; read -r cmd; sh -c "$cmd"; echo "rc=$?"'], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    sh.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const sid = /^(\d+)\n/.exec(out);
      if (sid && !sh.stdin.writableEnded) sh.stdin.end(`${killSessionCommand(Number(sid[1]))}\n`);
    });
    await new Promise((r) => sh.on('close', r));
    expect(out).toMatch(/^\d+\nrc=1\n$/);
  });
});
