/**
 * etcd's authentication (etcd 3.4, v3 API): a `root` user (m1's own, for
 * users, roles and membership) and a `patroni` user whose role reads and
 * writes Patroni's keys only (`/<namespace>/<scope>/`). Each has its own
 * generated password in the cluster directory's secrets/ (etcd_root,
 * etcd_patroni). Once `auth enable` ran, every client needs a user: the DCS
 * answers no anonymous client (the health and member-list reads excepted).
 *
 * The state is read first (one command, the passwords on its stdin, never in
 * argv), then only what is missing is done:
 *   - root (with the root role), the patroni role with exactly its one
 *     permission, the patroni user with that role;
 *   - `auth enable` when it is off;
 *   - while auth is off, etcd does not check a password, so the stored ones
 *     are set (user passwd) before enabling it; once on, a password that no
 *     longer opens etcd (the patroni one after `m1 rotate-password
 *     etcd_patroni`) is changed as root, after Patroni got the new one.
 *
 * etcdctl runs with ETCDCTL_USER / ETCDCTL_PASSWORD in its environment, read
 * from stdin by the shell; with auth off etcd ignores them.
 */
import { HostError, RefusedError, UsageError } from '../../errors.js';
import { argv, quote } from '../../engine/shell/quote.js';
import type { EtcdMember } from './members.js';
import { ETCD_CA_PATH } from './tls.js';

export const ETCD_ROOT_USER = 'root';
export const ETCD_PATRONI_USER = 'patroni';
export const ETCD_PATRONI_ROLE = 'patroni';
/** The secrets (cluster-dir/secrets/<name>.password) holding their passwords. */
export const ETCD_ROOT_SECRET = 'etcd_root';
export const ETCD_PATRONI_SECRET = 'etcd_patroni';

/** etcd's READWRITE permission type in role get -w json. */
const READWRITE = 2;

export interface EtcdAuthInputs {
  members: readonly EtcdMember[];
  /** Patroni's keys: every key starting with this (e.g. /m1/<cluster>/). */
  prefix: string;
}

/** The stdin of every command here: the root password, then the patroni one, a line each. */
export function etcdAuthStdin(passwords: { root: string; patroni: string }): string {
  for (const p of [passwords.root, passwords.patroni]) if (/[\r\n]/.test(p)) throw new UsageError('an etcd password cannot hold a line break');
  return `${passwords.root}\n${passwords.patroni}\n`;
}

/** Shell prelude: the passwords from stdin, `e` (etcdctl, anonymous), `r` (as root), `p` (as patroni). */
function prelude(members: readonly EtcdMember[]): string[] {
  const etcdctl = argv(
    'etcdctl',
    `--endpoints=${members.map((m) => m.clientUrl).join(',')}`,
    `--cacert=${ETCD_CA_PATH}`,
    '--dial-timeout=2s',
    '--command-timeout=5s',
  );
  return [
    'IFS= read -r ROOT_PW && IFS= read -r PATRONI_PW || { echo "etcd passwords expected on stdin" >&2; exit 2; }',
    `e() { ETCDCTL_API=3 ${etcdctl} "$@"; }`,
    `r() { ETCDCTL_USER=${ETCD_ROOT_USER} ETCDCTL_PASSWORD="$ROOT_PW" e "$@"; }`,
    `p() { ETCDCTL_USER=${ETCD_PATRONI_USER} ETCDCTL_PASSWORD="$PATRONI_PW" e "$@"; }`,
  ];
}

/**
 * Prints the state as `key=value` lines: auth=on|off (an anonymous `user
 * list` answers, or says "user name is empty"), rootok and patroniok (the
 * stored password opens etcd; always 1 while auth is off), and the JSON of
 * `user list`, `user get root|patroni`, `role get patroni` as root (empty
 * when not found). The six etcdctl calls are independent and each costs a
 * process start and a TLS handshake: they run at once, their answers kept
 * in a private directory and printed in this order. With auth on, a login
 * that failed for another reason than a wrong password (etcd's
 * "authentication failed") is tried again up to 3 times, a second apart,
 * then is the error: a timeout never passes for a wrong password.
 */
export function etcdAuthStateCommand(inputs: EtcdAuthInputs): string {
  return [
    ...prelude(inputs.members),
    'd=$(mktemp -d) || exit 1',
    "trap 'rm -rf \"$d\"' EXIT",
    '{ e user list -w json >"$d/anon" 2>&1; echo $? >"$d/anon.rc"; } &',
    `rootreads() { r user list -w json >"$d/users" 2>"$d/users.err"; echo $? >"$d/users.rc"; r user get ${ETCD_ROOT_USER} -w json >"$d/root" 2>/dev/null; r user get ${ETCD_PATRONI_USER} -w json >"$d/patroni" 2>/dev/null; r role get ${ETCD_PATRONI_ROLE} -w json >"$d/role" 2>/dev/null; }`,
    `patroniread() { p get --prefix --keys-only --limit=1 ${quote(inputs.prefix)} >/dev/null 2>"$d/patroni.err"; echo $? >"$d/patroni.rc"; }`,
    '{ r user list -w json >"$d/users" 2>"$d/users.err"; echo $? >"$d/users.rc"; } &',
    '{ patroniread; } &',
    `{ r user get ${ETCD_ROOT_USER} -w json >"$d/root" 2>/dev/null; } &`,
    `{ r user get ${ETCD_PATRONI_USER} -w json >"$d/patroni" 2>/dev/null; } &`,
    `{ r role get ${ETCD_PATRONI_ROLE} -w json >"$d/role" 2>/dev/null; } &`,
    'wait',
    'out=$(cat "$d/anon"); rc=$(cat "$d/anon.rc")',
    'if [ "$rc" = 0 ]; then echo auth=off; auth=off; elif printf %s "$out" | grep -q "user name is empty"; then echo auth=on; auth=on; else printf "error=%s\\n" "$(printf %s "$out" | tail -n 1)"; exit 1; fi',
    // Only etcd's "authentication failed" says a password is wrong. Another failure (a timeout on a loaded
    // machine: six bcrypt logins at once) is read again, one at a time; still failing, it is the error.
    'wrong() { grep -q "authentication failed" "$d/$1.err"; }',
    'failed() { [ "$auth" = on ] && [ "$(cat "$d/$1.rc")" != 0 ] && ! wrong "$1"; }',
    'i=0; while { failed users || failed patroni; } && [ "$i" -lt 3 ]; do i=$((i + 1)); sleep 1; if failed users; then rootreads; fi; if failed patroni; then patroniread; fi; done',
    'for x in users patroni; do if failed "$x"; then printf "error=%s\\n" "$(tail -n 1 "$d/$x.err")"; exit 1; fi; done',
    'if [ "$(cat "$d/users.rc")" = 0 ]; then echo rootok=1; else echo rootok=0; fi',
    'if [ "$(cat "$d/patroni.rc")" = 0 ]; then echo patroniok=1; else echo patroniok=0; fi',
    `printf 'users=%s\\n' "$(cat "$d/users")"`,
    `printf 'root=%s\\n' "$(cat "$d/root")"`,
    `printf 'patroni=%s\\n' "$(cat "$d/patroni")"`,
    `printf 'role=%s\\n' "$(cat "$d/role")"`,
  ].join('\n');
}

export interface EtcdPermission {
  /** 0 READ, 1 WRITE, 2 READWRITE. */
  permType: number;
  key: string;
  /** Empty: the one key. */
  rangeEnd: string;
}

export interface EtcdAuthState {
  enabled: boolean;
  /** The stored root password opens etcd (true while auth is off). */
  rootOk: boolean;
  patroniOk: boolean;
  /** Known only when root could read them (auth off, or rootOk). */
  users?: string[];
  rootRoles?: string[];
  patroniRoles?: string[];
  /** undefined: the role does not exist. */
  patroniRole?: EtcdPermission[];
}

const b64 = (s: unknown) => (typeof s === 'string' ? Buffer.from(s, 'base64').toString('utf8') : '');

function json(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v !== null && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Parses etcdAuthStateCommand's lines (etcdctl 3.4.23's JSON: empty lists are left out). */
export function parseEtcdAuthState(stdout: string): EtcdAuthState {
  const kv = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) kv.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (kv.has('error')) throw new HostError(`reading etcd's authentication state: ${kv.get('error')}`);
  if (!kv.has('auth')) throw new HostError(`reading etcd's authentication state: unexpected output: ${stdout.slice(0, 200)}`);
  const enabled = kv.get('auth') === 'on';
  const state: EtcdAuthState = { enabled, rootOk: !enabled || kv.get('rootok') === '1', patroniOk: !enabled || kv.get('patroniok') === '1' };
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  const users = json(kv.get('users'));
  if (users) state.users = list(users.users);
  const root = json(kv.get('root'));
  if (root) state.rootRoles = list(root.roles);
  const patroni = json(kv.get('patroni'));
  if (patroni) state.patroniRoles = list(patroni.roles);
  const role = json(kv.get('role'));
  if (role) {
    state.patroniRole = (Array.isArray(role.perm) ? role.perm : []).map((p: Record<string, unknown>) => ({
      permType: typeof p.permType === 'number' ? p.permType : 0,
      key: b64(p.key),
      rangeEnd: b64(p.range_end),
    }));
  }
  return state;
}

/** The end of a prefix's range, as etcd computes it: the last byte + 1. */
export function prefixRangeEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  let i = bytes.length - 1;
  while (i >= 0 && bytes[i] === 0xff) i--;
  if (i < 0) return '\0';
  const end = bytes.subarray(0, i + 1);
  end[i]! += 1;
  return end.toString('utf8');
}

export interface EtcdAuthAction {
  /** What it does, for the task's name (no secret). */
  what: string;
  /** The shell lines (after the prelude). */
  cmd: string;
}

export interface EtcdAuthPlanOptions {
  /**
   * Change a password that no longer opens etcd (auth on). Only after
   * Patroni holds the new one: changing it invalidates Patroni's token, and
   * Patroni must authenticate again with the new password.
   */
  changePasswords: boolean;
}

/**
 * What makes etcd's users, role and authentication what they must be, in
 * order; empty when nothing differs. Refused when auth is on and the stored
 * root password does not open etcd (nothing m1 can do without the old one).
 */
export function etcdAuthPlan(inputs: EtcdAuthInputs, state: EtcdAuthState, opts: EtcdAuthPlanOptions): EtcdAuthAction[] {
  if (state.enabled && !state.rootOk) {
    throw new RefusedError(
      `etcd's authentication is on and the stored password of its root user (secrets/${ETCD_ROOT_SECRET}.password) does not open it; ` +
        `put the password etcd has back into that file (or reset etcd's root password by hand), then deploy again`,
    );
  }
  const actions: EtcdAuthAction[] = [];
  const users = state.users ?? [];
  const pw = (user: string, variable: string, verb: 'add' | 'passwd') => `printf '%s\\n' "$${variable}" | r user ${verb} ${user} --interactive=false`;
  if (!users.includes(ETCD_ROOT_USER)) actions.push({ what: `user ${ETCD_ROOT_USER}`, cmd: pw(ETCD_ROOT_USER, 'ROOT_PW', 'add') });
  else if (!state.enabled) actions.push({ what: `password of ${ETCD_ROOT_USER}`, cmd: pw(ETCD_ROOT_USER, 'ROOT_PW', 'passwd') });
  if (!(state.rootRoles ?? []).includes('root')) actions.push({ what: `role root to ${ETCD_ROOT_USER}`, cmd: `r user grant-role ${ETCD_ROOT_USER} root` });

  const want: EtcdPermission = { permType: READWRITE, key: inputs.prefix, rangeEnd: prefixRangeEnd(inputs.prefix) };
  if (state.patroniRole === undefined) actions.push({ what: `role ${ETCD_PATRONI_ROLE}`, cmd: `r role add ${ETCD_PATRONI_ROLE}` });
  const perms = state.patroniRole ?? [];
  const exact = perms.length === 1 && perms[0]!.permType === want.permType && perms[0]!.key === want.key && perms[0]!.rangeEnd === want.rangeEnd;
  if (!exact) {
    for (const p of perms) {
      const range = p.rangeEnd === '' ? [p.key] : [p.key, p.rangeEnd];
      actions.push({ what: `revoke ${range.join('..')} from role ${ETCD_PATRONI_ROLE}`, cmd: `r ${argv('role', 'revoke-permission', ETCD_PATRONI_ROLE, ...range)}` });
    }
    actions.push({ what: `readwrite on ${inputs.prefix} to role ${ETCD_PATRONI_ROLE}`, cmd: `r ${argv('role', 'grant-permission', ETCD_PATRONI_ROLE, '--prefix=true', 'readwrite', inputs.prefix)}` });
  }

  if (!users.includes(ETCD_PATRONI_USER)) actions.push({ what: `user ${ETCD_PATRONI_USER}`, cmd: pw(ETCD_PATRONI_USER, 'PATRONI_PW', 'add') });
  else if (!state.enabled || (opts.changePasswords && !state.patroniOk)) actions.push({ what: `password of ${ETCD_PATRONI_USER}`, cmd: pw(ETCD_PATRONI_USER, 'PATRONI_PW', 'passwd') });
  if (!(state.patroniRoles ?? []).includes(ETCD_PATRONI_ROLE)) {
    actions.push({ what: `role ${ETCD_PATRONI_ROLE} to ${ETCD_PATRONI_USER}`, cmd: `r user grant-role ${ETCD_PATRONI_USER} ${ETCD_PATRONI_ROLE}` });
  }
  if (!state.enabled) actions.push({ what: 'auth enable', cmd: 'r auth enable' });
  return actions;
}

/** The actions as one command (same stdin as the state's), stopping at the first that fails. */
export function etcdAuthCommand(inputs: EtcdAuthInputs, actions: readonly EtcdAuthAction[]): string {
  return [...prelude(inputs.members), 'set -e', ...actions.map((a) => a.cmd)].join('\n');
}
