import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { testCluster } from '../../../test/support/testCluster.js';
import { followCommand, forgetMemberCommand, patronictlDeleteConfigKeyCommand } from './removal.js';
import { patroniConfigPath } from './settings.js';

const cluster = { ...testCluster({ name: 'pc', instances: [{ name: 'pc-a', roles: ['primary'] }, { name: 'pc-b', roles: ['replica'], upstream: 'pc-a' }, { name: 'pc-c', roles: ['replica'], upstream: 'pc-b' }] }), failoverManager: 'patroni' as const };
const member = cluster.instances[1]!;

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** Runs `cmd` under sh with `prelude` (shell functions standing in for the real programs); exit status, stdout, stderr. */
function run(prelude: string, cmd: string): { code: number; out: string; err: string } {
  const r = spawnSync('sh', ['-c', `${prelude}\n${cmd}`], { timeout: 20_000, encoding: 'utf8' });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

describe('Patroni remove-node commands', () => {
  it('edit-config deletes one DCS key without an editor or a prompt', () => {
    expect(patronictlDeleteConfigKeyCommand(cluster, 'slots.pc_b')).toBe(`patronictl -c ${patroniConfigPath(cluster)} edit-config --force --quiet -s slots.pc_b=null`);
  });

  it('forget: the slot leaves the DCS first, then waits until patronictl list no longer shows the member; exit 0 once gone', () => {
    const cmd = forgetMemberCommand(cluster, member, 'pc_b', 5);
    execFileSync('sh', ['-n', '-c', cmd]);
    // patronictl stands in: edit-config logs its call; list answers with the member twice, then without it.
    const fake = (answers: string) =>
      `d=$(mktemp -d); printf '%s' '${answers}' > "$d/n"\n` +
      'patronictl() { case "$*" in *edit-config*) echo "$*" >> "$d/edits";; *list*) a=$(cut -c1 "$d/n"); cut -c2- "$d/n" > "$d/x"; mv "$d/x" "$d/n"; ' +
      `case "$a" in 1) echo '[{"Cluster": "pc", "Member": "pc-a", "Role": "Leader"}, {"Cluster": "pc", "Member": "pc-b", "Role": "Replica", "State": "stopped"}]';; 0) echo '[{"Cluster": "pc", "Member": "pc-a", "Role": "Leader"}]';; *) echo 'Error: etcd'; return 1;; esac;; esac; }\n` +
      'sleep() { :; }\n';
    const gone = run(fake('110'), `(
${cmd}
); echo "rc=$?"; cat "$d/edits"; cat "$d/n"`);
    expect(gone.out).toBe(`rc=0\n-c ${patroniConfigPath(cluster)} edit-config --force --quiet -s slots.pc_b=null\n\n`); // every answer used: listed twice, then gone
    const never = run(fake('1111111'), cmd);
    expect(never.code).toBe(1);
    expect(never.err).toContain('the DCS still lists pc-b after 5 s');
    const broken = run(fake('x'), cmd);
    expect(broken.code).toBe(1);
  });

  it('follow: replicatefrom names the new upstream, Patroni reloaded, waited for until it streams from that address', () => {
    dir = mkdtempSync(join(tmpdir(), 'm1-follow-'));
    const file = join(dir, 'pc.yml');
    writeFileSync(file, 'scope: pc\ntags:\n  nofailover: false\n  replicatefrom: pc-b\nwatchdog:\n  mode: off\n');
    const cmd = followCommand(cluster, 'pc-a', '10.1.0.11', 3).replace(`f='${patroniConfigPath(cluster)}'`, `f='${file}'`).replace(`f=${patroniConfigPath(cluster)}`, `f=${file}`);
    execFileSync('sh', ['-n', '-c', cmd]);
    // runuser stands in for psql: the WAL receiver answers the old sender, then the new one.
    const fake = (answers: string) =>
      `d=$(mktemp -d); printf '%s\\n' ${answers} > "$d/n"\n` +
      `systemctl() { echo "$*" >> "$d/calls"; }\n` +
      'runuser() { a=$(head -n1 "$d/n"); tail -n +2 "$d/n" > "$d/x"; mv "$d/x" "$d/n"; echo "$a"; }\n' +
      'sleep() { :; }\n';
    const ok = run(fake("'streaming|10.1.0.12' 'streaming|10.1.0.11'"), `(
${cmd}
); echo "rc=$?"; cat "$d/calls"`);
    expect(ok.out).toBe('rc=0\nreload patroni@pc.service\n');
    expect(readFileSync(file, 'utf8')).toBe('scope: pc\ntags:\n  nofailover: false\n  replicatefrom: pc-a\nwatchdog:\n  mode: off\n');
    const stuck = run(fake("'streaming|10.1.0.12' 'streaming|10.1.0.12' 'streaming|10.1.0.12' 'streaming|10.1.0.12'"), cmd);
    expect(stuck.code).toBe(1);
    expect(stuck.err).toContain('not streaming from pc-a (10.1.0.11) after 3 s: streaming|10.1.0.12');
    writeFileSync(file, 'scope: pc\ntags:\n  nofailover: false\n');
    const untagged = run(fake("'streaming|10.1.0.11'"), cmd);
    expect(untagged.code).toBe(1);
    expect(untagged.err).toContain('has no replicatefrom tag');
  });
});
