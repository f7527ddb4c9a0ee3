import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  etcdAuthCommand,
  etcdAuthPlan,
  etcdAuthStateCommand,
  etcdAuthStdin,
  parseEtcdAuthState,
  prefixRangeEnd,
  type EtcdAuthState,
} from '../../../../src/products/etcd/auth.js';
import { etcdMembers } from '../../../../src/products/etcd/members.js';
import { patroniDcsPrefix } from '../../../../src/products/patroni/settings.js';
import { patroniCluster } from '../patroni/fixture.js';
import { scratchDir } from '../../../support/scratch.js';

const cluster = patroniCluster();
const inputs = { members: etcdMembers(cluster), prefix: patroniDcsPrefix(cluster) };
const stdin = etcdAuthStdin({ root: 'root pw $x', patroni: "pat'ron" });

/**
 * Runs a command with a stand-in etcdctl on PATH that logs its argv and the
 * user and password it was given, and answers as etcd 3.4.23 did (`answers`:
 * a shell `case` on "$*" → output and exit status).
 */
function withFakeEtcdctl(cmd: string, cases: string): { stdout: string; log: string } {
  const dir = scratchDir('m1-etcdctl-');
  const log = join(dir, 'log');
  writeFileSync(
    join(dir, 'etcdctl'),
    `#!/bin/sh\nprintf 'argv=%s | user=%s password=%s\\n' "$*" "$ETCDCTL_USER" "$ETCDCTL_PASSWORD" >> ${log}\ncase "$*" in\n${cases}\nesac\n`,
  );
  chmodSync(join(dir, 'etcdctl'), 0o755);
  writeFileSync(log, '');
  const r = spawnSync('sh', ['-c', cmd], { input: stdin, env: { ...process.env, PATH: `${dir}:${process.env.PATH}` }, encoding: 'utf8' });
  return { stdout: r.stdout, log: readFileSync(log, 'utf8') };
}

// etcdctl 3.4.23's answers with auth on, root and patroni set up (captured).
const HEADER = '"header":{"cluster_id":14841639068965178418,"member_id":10276657743932975437,"revision":1,"raft_term":2}';
const AUTH_ON_CASES = `
  *"user list -w json"*) if [ -z "$ETCDCTL_USER" ]; then echo 'Error: etcdserver: user name is empty' >&2; exit 1; fi; echo '{${HEADER},"users":["patroni","root"]}' ;;
  *"user list"*) exit 0 ;;
  *"get --prefix"*) exit 0 ;;
  *"user get root"*) echo '{${HEADER},"roles":["root"]}' ;;
  *"user get patroni"*) echo '{${HEADER},"roles":["patroni"]}' ;;
  *"role get patroni"*) echo '{${HEADER},"perm":[{"permType":2,"key":"L20xL3BhdHJvbmkxLw==","range_end":"L20xL3BhdHJvbmkxMA=="}]}' ;;`;

/** Auth on, both users and roles as m1 makes them, Patroni's role on its keys only. */
const CONVERGED: EtcdAuthState = {
  enabled: true,
  rootOk: true,
  patroniOk: true,
  users: ['patroni', 'root'],
  rootRoles: ['root'],
  patroniRoles: ['patroni'],
  patroniRole: [{ permType: 2, key: '/m1/patroni1/', rangeEnd: '/m1/patroni10' }],
};

describe('etcd authentication state', () => {
  it('is read in one command, the passwords on stdin and in etcdctl\'s environment, never in argv', () => {
    const { stdout, log } = withFakeEtcdctl(etcdAuthStateCommand(inputs), AUTH_ON_CASES);
    expect(log).not.toMatch(/argv=[^|]*(root pw|pat'ron)/);
    expect(log).toContain("user=root password=root pw $x");
    expect(log).toContain("user=patroni password=pat'ron");
    expect(log).toMatch(/argv=--endpoints=https:\/\/10\.33\.0\.5:2379,https:\/\/10\.33\.0\.6:2379,https:\/\/10\.33\.0\.7:2379 --cacert=\/etc\/m1\/ssl\/ca\.crt /);
    expect(parseEtcdAuthState(stdout)).toEqual(CONVERGED);
  });

  it('auth off on a fresh cluster: no users (etcdctl leaves the empty list out), no role', () => {
    const { stdout } = withFakeEtcdctl(etcdAuthStateCommand(inputs), `
  *"user list -w json"*) echo '{${HEADER}}' ;;
  *"role get"*) echo 'Error: etcdserver: role name not found' >&2; exit 1 ;;
  *"user get"*) echo 'Error: etcdserver: user name not found' >&2; exit 1 ;;
  *) exit 0 ;;`);
    expect(parseEtcdAuthState(stdout)).toEqual({ enabled: false, rootOk: true, patroniOk: true, users: [] });
  });

  it('a stored password that no longer opens etcd, and an unreachable etcd', () => {
    const wrong = withFakeEtcdctl(etcdAuthStateCommand(inputs), AUTH_ON_CASES.replace('*"get --prefix"*) exit 0 ;;', `*"get --prefix"*) echo 'Error: etcdserver: authentication failed, invalid user ID or password' >&2; exit 2 ;;`));
    expect(parseEtcdAuthState(wrong.stdout)).toMatchObject({ enabled: true, rootOk: true, patroniOk: false });
    const rootWrong = withFakeEtcdctl(etcdAuthStateCommand(inputs), AUTH_ON_CASES.replace('*"user list -w json"*) if', `*"user list -w json"*) if [ -n "$ETCDCTL_USER" ]; then echo 'Error: etcdserver: authentication failed, invalid user ID or password' >&2; exit 2; fi; if`));
    expect(parseEtcdAuthState(rootWrong.stdout)).toMatchObject({ enabled: true, rootOk: false, patroniOk: true });
    expect(rootWrong.log.match(/argv=.* user list -w json \| user=root/g)).toHaveLength(1);
    const down = withFakeEtcdctl(etcdAuthStateCommand(inputs), `*) echo 'Error: context deadline exceeded' >&2; exit 1 ;;`);
    expect(() => parseEtcdAuthState(down.stdout)).toThrow(/reading etcd's authentication state: Error: context deadline exceeded/);
  });
});

describe('etcd authentication state on a loaded machine', () => {
  it("a root login that timed out is read again (not taken for a wrong password); one that keeps failing is the error, never rootok=0", () => {
    // The first root `user list` times out, the next answers.
    const flaky = AUTH_ON_CASES.replace('*"user list -w json"*) if', `*"user list -w json"*) if [ -n "$ETCDCTL_USER" ] && [ ! -e "$0.once" ]; then : > "$0.once"; echo 'Error: context deadline exceeded' >&2; exit 1; fi; if`);
    const once = withFakeEtcdctl(etcdAuthStateCommand(inputs), flaky);
    expect(parseEtcdAuthState(once.stdout)).toEqual(CONVERGED);
    expect(once.log.match(/argv=.* user list -w json \| user=root/g)).toHaveLength(2);
    const always = AUTH_ON_CASES.replace('*"user list -w json"*) if', `*"user list -w json"*) if [ -n "$ETCDCTL_USER" ]; then echo 'Error: context deadline exceeded' >&2; exit 1; fi; if`);
    const down = withFakeEtcdctl(etcdAuthStateCommand(inputs), always);
    expect(() => parseEtcdAuthState(down.stdout)).toThrow(/reading etcd's authentication state: Error: context deadline exceeded/);
    expect(down.log.match(/argv=.* user list -w json \| user=root/g)).toHaveLength(4);
  });
});

describe('etcd authentication plan', () => {
  const converged = CONVERGED;
  const what = (s: EtcdAuthState, changePasswords = false) => etcdAuthPlan(inputs, s, { changePasswords }).map((a) => a.what);

  it('a fresh cluster: root with its role, the patroni role on Patroni\'s keys only, the patroni user, then auth on', () => {
    expect(what({ enabled: false, rootOk: true, patroniOk: true, users: [] })).toEqual([
      'user root',
      'role root to root',
      'role patroni',
      'readwrite on /m1/patroni1/ to role patroni',
      'user patroni',
      'role patroni to patroni',
      'auth enable',
    ]);
  });

  it('a converged cluster: nothing', () => {
    expect(what(converged)).toEqual([]);
    expect(what(converged, true)).toEqual([]);
  });

  it('auth still off with the users there (a run cut short): their passwords set again, then auth on', () => {
    expect(what({ ...converged, enabled: false })).toEqual(['password of root', 'password of patroni', 'auth enable']);
  });

  it("patroni's password rotated: changed only once Patroni holds it", () => {
    expect(what({ ...converged, patroniOk: false })).toEqual([]);
    expect(what({ ...converged, patroniOk: false }, true)).toEqual(['password of patroni']);
  });

  it('a permission beyond Patroni\'s keys is revoked and the one permission granted', () => {
    const wider = { ...converged, patroniRole: [{ permType: 2, key: '/', rangeEnd: '\0' }] };
    expect(what(wider)).toEqual(['revoke /..\0 from role patroni', 'readwrite on /m1/patroni1/ to role patroni']);
    expect(what({ ...converged, patroniRole: [{ permType: 0, key: '/m1/patroni1/', rangeEnd: '/m1/patroni10' }] })).toEqual([
      'revoke /m1/patroni1/../m1/patroni10 from role patroni',
      'readwrite on /m1/patroni1/ to role patroni',
    ]);
  });

  it("refuses when auth is on and root's stored password does not open etcd", () => {
    expect(() => what({ ...converged, rootOk: false })).toThrow(/stored password of its root user \(secrets\/etcd_root\.password\) does not open it/);
  });

  it('runs the actions as root, the passwords from stdin, stopping at the first failure', () => {
    const actions = etcdAuthPlan(inputs, { enabled: false, rootOk: true, patroniOk: true, users: [] }, { changePasswords: false });
    const cmd = etcdAuthCommand(inputs, actions);
    expect(cmd).not.toMatch(/root pw|pat'ron/);
    const { log } = withFakeEtcdctl(cmd, '*) cat >/dev/null; exit 0 ;;');
    const argvs = log.trim().split('\n');
    expect(argvs.map((l) => l.replace(/^argv=--endpoints=\S+ --cacert=\S+ --dial-timeout=2s --command-timeout=5s /, '').replace(/ \| user=root password=root pw \$x$/, ' (as root)'))).toEqual([
      'user add root --interactive=false (as root)',
      'user grant-role root root (as root)',
      'role add patroni (as root)',
      'role grant-permission patroni --prefix=true readwrite /m1/patroni1/ (as root)',
      'user add patroni --interactive=false (as root)',
      'user grant-role patroni patroni (as root)',
      'auth enable (as root)',
    ]);
    const failing = withFakeEtcdctl(cmd, '*"role add"*) exit 1 ;; *) cat >/dev/null; exit 0 ;;');
    expect(failing.log.trim().split('\n')).toHaveLength(3);
  });

  it("a prefix's range ends where etcd's --prefix ends it", () => {
    expect(prefixRangeEnd('/m1/c/')).toBe('/m1/c0');
    expect(prefixRangeEnd('/service/')).toBe('/service0');
  });
});
