/** Local users and groups: one query for both, and useradd/usermod/groupadd/groupmod. */
import { quote } from '../shell/quote.js';

export interface UserEntry {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  gid: number;
  members: string[];
}

export interface Accounts {
  users: Map<string, UserEntry>;
  groups: Map<string, GroupEntry>;
}

const SEPARATOR = '--m1-groups--';

export function buildAccountsQuery(): string {
  return `getent passwd; echo ${SEPARATOR}; getent group`;
}

export function parseAccountsQuery(stdout: string): Accounts {
  const [passwd = '', group = ''] = stdout.split(`${SEPARATOR}\n`);
  const users = new Map<string, UserEntry>();
  for (const line of passwd.split('\n')) {
    const f = line.split(':');
    if (f.length < 7) continue;
    users.set(f[0]!, { uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! });
  }
  const groups = new Map<string, GroupEntry>();
  for (const line of group.split('\n')) {
    const f = line.split(':');
    if (f.length < 4) continue;
    groups.set(f[0]!, { gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] });
  }
  return { users, groups };
}

const NAME = /^[a-z_][a-z0-9_-]*\$?$/;

export function assertAccountName(name: string): void {
  if (!NAME.test(name) || name.length > 32) throw new Error(`${JSON.stringify(name)} is not a valid user or group name`);
}

export interface UserSpec {
  name: string;
  uid?: number;
  /** Primary group (must exist). */
  group?: string;
  /** Supplementary groups (must exist); the user is added to them, never removed from others. */
  groups?: string[];
  home?: string;
  shell?: string;
  system?: boolean;
  /** Create the home directory (default true for useradd). */
  createHome?: boolean;
  comment?: string;
}

export function buildUserAdd(spec: UserSpec): string {
  assertAccountName(spec.name);
  const a: string[] = ['useradd'];
  if (spec.system) a.push('--system');
  if (spec.uid !== undefined) a.push('--uid', String(spec.uid));
  if (spec.group) a.push('--gid', quote(spec.group));
  else if (!spec.system) a.push('--user-group');
  if (spec.groups?.length) a.push('--groups', quote(spec.groups.join(',')));
  if (spec.home) a.push('--home-dir', quote(spec.home));
  if (spec.shell) a.push('--shell', quote(spec.shell));
  if (spec.comment !== undefined) a.push('--comment', quote(spec.comment));
  a.push(spec.createHome === false ? '--no-create-home' : '--create-home');
  a.push('--', quote(spec.name));
  return a.join(' ');
}

/** Only the given changes; `appendGroups` adds supplementary groups. */
export function buildUserMod(name: string, changes: { uid?: number; group?: string; appendGroups?: string[]; home?: string; shell?: string }): string {
  assertAccountName(name);
  const a: string[] = ['usermod'];
  if (changes.uid !== undefined) a.push('--uid', String(changes.uid));
  if (changes.group) a.push('--gid', quote(changes.group));
  if (changes.appendGroups?.length) a.push('--append', '--groups', quote(changes.appendGroups.join(',')));
  if (changes.home) a.push('--home', quote(changes.home));
  if (changes.shell) a.push('--shell', quote(changes.shell));
  if (a.length === 1) throw new Error(`usermod ${name}: nothing to change`);
  a.push('--', quote(name));
  return a.join(' ');
}

export function buildGroupAdd(spec: { name: string; gid?: number; system?: boolean }): string {
  assertAccountName(spec.name);
  const a = ['groupadd'];
  if (spec.system) a.push('--system');
  if (spec.gid !== undefined) a.push('--gid', String(spec.gid));
  a.push('--', quote(spec.name));
  return a.join(' ');
}

export function buildGroupMod(name: string, gid: number): string {
  assertAccountName(name);
  return `groupmod --gid ${gid} -- ${quote(name)}`;
}
