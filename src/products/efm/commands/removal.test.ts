import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { defaultLayout } from '../../../../test/unit/roles/efm/clusters.js';
import { efmDisallowNodeCommand, efmFollowCommand, efmForgetNodeCommand } from './removal.js';

/** Runs `cmd` in a subshell after `prelude` (shell functions standing in for the real programs). */
function run(prelude: string, cmd: string): { code: number; out: string; err: string } {
  const r = spawnSync('sh', ['-c', `${prelude}\n(\n${cmd}\n); echo "rc=$?"; cat "$d/calls" 2>/dev/null`], { timeout: 20_000, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

/** `runuser` answers from a list, one line per call, and logs each call's arguments. */
const fake = (answers: string[]) =>
  `d=$(mktemp -d); printf '%s\\n' ${answers.map((a) => `'${a}'`).join(' ')} > "$d/n"\n` +
  'runuser() { echo "$*" >> "$d/calls"; a=$(head -n1 "$d/n"); tail -n +2 "$d/n" > "$d/x"; mv "$d/x" "$d/n"; [ "$a" = FAIL ] && return 1; echo "$a"; }\n' +
  'systemctl() { echo "systemctl $*" >> "$d/calls"; }\nsleep() { :; }\n';

describe('EFM remove-node commands (not run against a real EFM)', () => {
  it('disallow-node names the cluster and the address, as efm; a bad address never reaches a shell', () => {
    const c = defaultLayout({ efm_version: '5.2' });
    expect(efmDisallowNodeCommand(c, '10.0.0.7')).toMatchObject({ argv: ['/usr/edb/efm-5.2/bin/efm', 'disallow-node', 'efm1', '10.0.0.7'], user: 'efm' });
    expect(() => efmDisallowNodeCommand(c, '10.0.0.7; reboot')).toThrow(/not a host address/);
  });

  it('forget: disallow-node, then cluster-status-json until it no longer names the address', () => {
    const c = defaultLayout({ efm_version: '5.2' });
    const cmd = efmForgetNodeCommand(c, '10.0.0.7', 3);
    execFileSync('sh', ['-n', '-c', cmd]);
    const listed = '{"nodes": {"10.0.0.5": {"type": "Primary"}, "10.0.0.7": {"type": "Standby"}}}';
    const gone = '{"nodes": {"10.0.0.5": {"type": "Primary"}}}';
    const ok = run(fake(['', listed, gone]), cmd);
    expect(ok.out.split('\n').filter(Boolean)).toEqual([
      'rc=0',
      '-u efm -- /usr/edb/efm-5.2/bin/efm disallow-node efm1 10.0.0.7',
      '-u efm -- /usr/edb/efm-5.2/bin/efm cluster-status-json efm1',
      '-u efm -- /usr/edb/efm-5.2/bin/efm cluster-status-json efm1',
    ]);
    const stuck = run(fake(['', listed, listed, listed, listed]), cmd);
    expect(stuck.out).toMatch(/^rc=1\n/);
    expect(stuck.err).toContain('efm cluster-status-json still lists 10.0.0.7 after 3 s');
    expect(run(fake(['FAIL']), cmd).out).toMatch(/^rc=1\n/);
  });

  it('follow: the slot made on the new upstream first, primary_conninfo names it, reloaded (PostgreSQL 13+) or restarted (12), waited for until it streams from there', () => {
    const cmd = efmFollowCommand('15', 'efm-d', 'efm-a', 'efm_d', 3);
    execFileSync('sh', ['-n', '-c', cmd]);
    const ok = run(fake(['', '', 't', 'streaming|efm-b', 'streaming|efm-a']), cmd);
    const calls = ok.out.split('\n').filter(Boolean);
    expect(calls[0]).toBe('rc=0');
    expect(calls[1]).toMatch(/pg_receivewal -d 'host=efm-a port=5432 user=replication application_name=efm-d sslmode=require passfile=\S+' --create-slot --if-not-exists -S efm_d -w/);
    expect(calls[2]).toMatch(/ALTER SYSTEM SET primary_conninfo = .*host=efm-a port=5432 user=replication application_name=efm-d sslmode=require/);
    expect(calls[3]).toContain('pg_reload_conf()');
    expect(calls).toHaveLength(6);
    expect(efmFollowCommand('12', 'efm-d', 'efm-a', 'efm_d')).toContain('systemctl restart postgres.service');
    const stuck = run(fake(['', '', 't', 'streaming|efm-b', 'streaming|efm-b', 'streaming|efm-b']), cmd);
    expect(stuck.out).toMatch(/^rc=1\n/);
    expect(stuck.err).toContain('not streaming from efm-a after 3 s: streaming|efm-b');
    // no slot on the upstream: nothing else is changed
    const noSlot = run(fake(['FAIL']), cmd);
    expect(noSlot.out.split('\n').filter(Boolean)).toHaveLength(2);
  });
});
