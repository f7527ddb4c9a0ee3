/**
 * The etcd roles of a deploy, as engine roles, cut into the stages a playbook
 * runs. Clients and peers speak TLS with each member's certificate (signed by
 * the cluster CA); clients log in with a user and password.
 *
 * 1. `etcdRole` on every member at once: packages, the member's certificate
 *    pair and the CA; a member that never ran with our settings has the
 *    package's single member stopped and its data removed, gets
 *    /etc/default/etcd, and is started WITHOUT waiting (etcd notifies systemd
 *    only once it has a quorum, so a blocking start on the first member would
 *    wait for the others); a stopped member is started the same way with the
 *    settings it has (stages 3 and 4 move it). A running member is left alone here.
 * 2. `etcdHealthRole` on one member: every member healthy (bounded wait),
 *    then the membership is exactly config.yml's members.
 * 3. `etcdPeerTlsRole`, serial, only in a cluster formed over plain HTTP: each
 *    member gets its pair and the CA while it still listens on http://, so it
 *    can already dial TLS peers with its certificate (restart, healthy before
 *    and after).
 * 4. `etcdSettingsRole`, serial: a member whose settings changed is restarted,
 *    every member healthy before (refused otherwise: the restart could lose
 *    the quorum) and after; a member whose peer URL is still http:// is first
 *    given its https:// one (`etcdctl member update`), then restarted on TLS.
 * 5. `etcdAuthRole` on one member: every member healthy over TLS with exactly
 *    config.yml's membership; the root and patroni users, the patroni role
 *    and `auth enable`, each only when missing. `etcdPasswordsRole`, after
 *    Patroni runs with its configuration: a patroni password that changed
 *    (rotate-password) is set in etcd.
 */
import { HostError, RefusedError } from '../../src/errors.js';
import type { DeployContext } from '../context.js';
import { passwordOf, tlsOf } from '../context.js';
import { command, defineFact, defineRole, directory, file, flushHandlers, packages, restart, service, waitUntil, type HostContext, type Operation, type Role } from '../../src/engine/index.js';
import { argv, quote } from '../../src/engine/shell/quote.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { describeHealth, etcdEndpointHealthCommand, parseEndpointHealth, type EtcdHealthOptions } from '../../src/products/etcd/endpointHealthCommand.js';
import { ETCD_PACKAGES, ETCD_ENV_FILE, ETCD_PACKAGE_DATA_DIR, ETCD_SERVICE, etcdDataDir, etcdEnvFile } from '../../src/products/etcd/environment.js';
import { compareMembership, etcdMemberListCommand, hexMemberId, membershipMatches, parseMemberList, type LiveEtcdMember, type MembershipDiff } from '../../src/products/etcd/memberListCommand.js';
import { etcdMembers, type EtcdMember } from '../../src/products/etcd/members.js';
import { ETCD_CA_PATH, ETCD_TLS_DIR, ETCD_USER, etcdCertPath, etcdKeyPath } from '../../src/products/etcd/tls.js';
import { ETCD_PATRONI_SECRET, ETCD_ROOT_SECRET, etcdAuthCommand, etcdAuthPlan, etcdAuthStateCommand, etcdAuthStdin, parseEtcdAuthState, type EtcdAuthInputs, type EtcdAuthState } from '../../src/products/etcd/auth.js';
import { SSL_DIR } from '../../src/products/postgres/layout.js';
import { patroniDcsPrefix } from '../../src/products/patroni/settings.js';

/** Bounds: forming a new cluster (all members start together), one member rejoining after a restart. */
export const ETCD_FORM_TIMEOUT_MS = 90_000;
export const ETCD_REJOIN_TIMEOUT_MS = 60_000;

const RUNNING = new Set(['active', 'activating', 'reloading']);
/** While a cluster moves from plain HTTP to TLS a member may still answer on http:// only. */
const DURING_SWITCH: EtcdHealthOptions = { plainToo: true };

function envFileOp(ctx: DeployContext, host: string, opts: { notifyRestart?: boolean; scheme?: 'http' | 'https' } = {}) {
  const instance = instanceByName(ctx.cluster, host)!;
  return file({
    path: ETCD_ENV_FILE,
    content: etcdEnvFile(ctx.cluster, instance, opts.scheme),
    owner: 'root',
    group: 'root',
    mode: '0644',
    ...(opts.notifyRestart ? { notify: restart(ETCD_SERVICE) } : {}),
  });
}

const startNoBlock = (why: string) =>
  command({ name: `start etcd without waiting (${why})`, cmd: `systemctl start --no-block ${ETCD_SERVICE}` });

/** The member's certificate pair (its own copy, owned by etcd) and the cluster CA; etcd reads them at every handshake. */
function tlsOps(ctx: DeployContext, host: string) {
  const tls = tlsOf(ctx, host);
  return [
    directory({ path: SSL_DIR, owner: 'root', group: 'root', mode: '0755' }),
    file({ path: ETCD_CA_PATH, content: tls.ca, owner: 'root', group: 'root', mode: '0644' }),
    directory({ path: ETCD_TLS_DIR, owner: 'root', group: ETCD_USER, mode: '0750' }),
    file({ path: etcdKeyPath(host), content: tls.key, owner: ETCD_USER, group: ETCD_USER, mode: '0600', sensitive: true }),
    file({ path: etcdCertPath(host), content: tls.cert, owner: ETCD_USER, group: ETCD_USER, mode: '0644' }),
  ];
}

/** Stage 1: packages, certificates, and members that are new or stopped started together. */
export function etcdRole(ctx: DeployContext): Role {
  return defineRole('etcd', async function* (h) {
    const skip = ctx.skipPackages.has('etcd');
    yield packages({ names: ETCD_PACKAGES, when: !skip });
    yield tlsOps(ctx, h.host);
    const memberDir = `${etcdDataDir(ctx.cluster)}/member`;
    const [formed, svc, env] = await Promise.all([h.facts.stat(memberDir), h.facts.service(ETCD_SERVICE), h.facts.content(ETCD_ENV_FILE)]);
    if (formed === null) {
      // Never ran with our settings: the package's member must go first (etcd ignores
      // every ETCD_INITIAL_* setting once a data dir exists, and its data is not ours).
      yield [
        service({ name: "stop the package's single-member etcd", service: ETCD_SERVICE, state: 'stopped', when: RUNNING.has(svc.activeState) }),
        command({
          name: `remove the package's member data ${ETCD_PACKAGE_DATA_DIR}`,
          cmd: `rm -rf -- ${quote(ETCD_PACKAGE_DATA_DIR)}`,
          removes: ETCD_PACKAGE_DATA_DIR,
        }),
        envFileOp(ctx, h.host),
        service({ service: ETCD_SERVICE, enabled: true }),
        startNoBlock('members wait for each other'),
      ];
    } else if (!RUNNING.has(svc.activeState)) {
      // With the settings it ran with: a member of a cluster still on plain HTTP must not come back on TLS alone.
      yield [...(env === null ? [envFileOp(ctx, h.host)] : []), service({ service: ETCD_SERVICE, enabled: true }), startNoBlock('it was stopped')];
    }
  });
}

function healthCommand(ctx: DeployContext, opts?: EtcdHealthOptions): string {
  return etcdEndpointHealthCommand(etcdMembers(ctx.cluster), opts);
}

/** The live membership as `h` reads it (any member that answers). */
async function liveMembers(h: HostContext, ctx: DeployContext, key: string, opts?: EtcdHealthOptions): Promise<LiveEtcdMember[] | undefined> {
  return h.fact(defineFact(`etcd-member-list-${key}`, etcdMemberListCommand(etcdMembers(ctx.cluster), opts), (r) => (r.code === 0 ? parseMemberList(r.stdout) : undefined)));
}

function describeDiff(diff: MembershipDiff): string {
  return [
    diff.missing.length ? `missing ${diff.missing.join(', ')}` : '',
    diff.unexpected.length ? `not in config.yml: ${diff.unexpected.join(', ')}` : '',
    diff.peerUrlMismatch.length ? `other peer URLs: ${diff.peerUrlMismatch.join(', ')}` : '',
    diff.notStarted.length ? `added but never started: ${diff.notStarted.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('; ');
}

/** Refuses (exit 3) unless the live membership is config.yml's; `anyScheme`: http:// and https:// peer URLs are the same. */
async function checkMembership(h: HostContext, ctx: DeployContext, key: string, opts: EtcdHealthOptions & { anyScheme?: boolean }): Promise<void> {
  const members = etcdMembers(ctx.cluster);
  const live = await liveMembers(h, ctx, key, opts);
  if (live === undefined) {
    if (h.check) return;
    const health = await h.fact(defineFact(`etcd-health-${key}`, healthCommand(ctx, opts), (r) => parseEndpointHealth(r.stdout, members)));
    throw new HostError(`no etcd member answered the member list; ${describeHealth(health)}`);
  }
  const diff = compareMembership(members, live, { anyScheme: opts.anyScheme ?? false });
  if (!membershipMatches(diff)) {
    throw new RefusedError(`etcd membership differs from config.yml (${describeDiff(diff)}): fix it with etcdctl member add/remove, then deploy again`);
  }
}

/** Stage 2 (one member): every member healthy, membership as config.yml says (over http:// or https://). */
export function etcdHealthRole(ctx: DeployContext): Role {
  return defineRole('etcd health', async function* (h) {
    const members = etcdMembers(ctx.cluster);
    yield waitUntil({
      name: `every etcd member healthy (${members.map((m) => m.name).join(', ')})`,
      cmd: healthCommand(ctx, DURING_SWITCH),
      timeoutMs: ETCD_FORM_TIMEOUT_MS,
      intervalMs: 1000,
    });
    await checkMembership(h, ctx, 'health', { ...DURING_SWITCH, anyScheme: true });
  });
}

/** A restart of this member, every member healthy before and after (the quorum is never at stake). */
function* restartWithin(ctx: DeployContext, host: string, change: Operation[], explicitRestart: boolean) {
  const members = etcdMembers(ctx.cluster);
  yield waitUntil({
    name: `every etcd member healthy before ${host} restarts`,
    cmd: healthCommand(ctx, DURING_SWITCH),
    // Short: this is a precondition, not a wait for a cluster forming.
    timeoutMs: 10_000,
    intervalMs: 1000,
  });
  yield change;
  if (explicitRestart) yield service({ service: ETCD_SERVICE, state: 'restarted' });
  yield flushHandlers();
  yield waitUntil({
    name: `${host} back in a healthy etcd cluster (${members.length} members)`,
    cmd: healthCommand(ctx, DURING_SWITCH),
    timeoutMs: ETCD_REJOIN_TIMEOUT_MS,
    intervalMs: 1000,
  });
}

/**
 * Stage 3 (serial), only while some member's peer URL is still http://: the
 * member's pair, the CA and client authentication of peers in its file, with
 * every URL still http://. etcd dials a peer's https:// URL only with a
 * certificate configured, so every member needs this before the first moves.
 */
export function etcdPeerTlsRole(ctx: DeployContext): Role {
  return defineRole('etcd peer tls', async function* (h) {
    const live = await liveMembers(h, ctx, 'peer-tls', DURING_SWITCH);
    if (live === undefined || live.every((m) => m.peerUrls.every((u) => u.startsWith('https://')))) return;
    const me = live.find((m) => m.name === h.host);
    if (!me || me.peerUrls.every((u) => u.startsWith('https://'))) return;
    const instance = instanceByName(ctx.cluster, h.host)!;
    const current = (await h.facts.content(ETCD_ENV_FILE))?.toString('utf8');
    if (current === etcdEnvFile(ctx.cluster, instance, 'http') || current === etcdEnvFile(ctx.cluster, instance)) return;
    yield* restartWithin(ctx, h.host, [envFileOp(ctx, h.host, { notifyRestart: true, scheme: 'http' })], false);
  });
}

/** The other members' client URLs, all of one scheme (https:// when any member serves it): etcdctl cannot mix them. */
export function otherEndpoints(live: readonly LiveEtcdMember[], except: string): string[] {
  const urls = live.filter((m) => m.name !== except).flatMap((m) => m.clientUrls);
  const https = urls.filter((u) => u.startsWith('https://'));
  return https.length > 0 ? https : urls;
}

/** `etcdctl member update` of `member` to its https:// peer URL, as root (password on stdin), over the other members. */
export function memberUpdateCommand(member: EtcdMember, live: LiveEtcdMember, endpoints: readonly string[]): string {
  return [
    'IFS= read -r ETCDCTL_PASSWORD || exit 2',
    `ETCDCTL_API=3 ETCDCTL_USER=root ETCDCTL_PASSWORD="$ETCDCTL_PASSWORD" ${argv(
      'etcdctl',
      `--endpoints=${endpoints.join(',')}`,
      `--cacert=${ETCD_CA_PATH}`,
      '--dial-timeout=2s',
      '--command-timeout=5s',
      'member',
      'update',
      hexMemberId(live.id),
      `--peer-urls=${member.peerUrl}`,
    )}`,
  ].join('\n');
}

/** Stage 4 (serial): a running member whose settings or peer URL differ is restarted, the cluster healthy before and after. */
export function etcdSettingsRole(ctx: DeployContext): Role {
  return defineRole('etcd settings', async function* (h) {
    const instance = instanceByName(ctx.cluster, h.host)!;
    const member = etcdMembers(ctx.cluster).find((m) => m.name === h.host)!;
    const want = etcdEnvFile(ctx.cluster, instance);
    const current = (await h.facts.content(ETCD_ENV_FILE))?.toString('utf8');
    const live = await liveMembers(h, ctx, 'settings', DURING_SWITCH);
    const me = live?.find((m) => m.name === h.host);
    const moveToTls = me !== undefined && !(me.peerUrls.length === 1 && me.peerUrls[0] === member.peerUrl);
    if (current === want && !moveToTls) return;
    if (moveToTls) {
      // The membership first (peers then dial https://), then the member restarted on TLS.
      const update = command({
        name: `${h.host}'s peer URL becomes ${member.peerUrl} (etcdctl member update)`,
        cmd: memberUpdateCommand(member, me!, otherEndpoints(live!, h.host)),
        stdin: `${passwordOf(ctx, ETCD_ROOT_SECRET)}\n`,
      });
      yield* restartWithin(ctx, h.host, [update, envFileOp(ctx, h.host)], true);
    } else {
      yield* restartWithin(ctx, h.host, [envFileOp(ctx, h.host, { notifyRestart: true })], false);
    }
  });
}

function authInputs(ctx: DeployContext): EtcdAuthInputs {
  return { members: etcdMembers(ctx.cluster), prefix: patroniDcsPrefix(ctx.cluster) };
}

async function* converge(ctx: DeployContext, h: HostContext, changePasswords: boolean) {
  const inputs = authInputs(ctx);
  const stdin = etcdAuthStdin({ root: passwordOf(ctx, ETCD_ROOT_SECRET), patroni: passwordOf(ctx, ETCD_PATRONI_SECRET) });
  const read = await h.fact(
    defineFact(`etcd-auth-${changePasswords ? 'passwords' : 'users'}`, etcdAuthStateCommand(inputs), (r) => {
      try {
        return { state: parseEtcdAuthState(r.stdout) as EtcdAuthState | undefined, error: undefined };
      } catch (e) {
        return { state: undefined, error: e instanceof Error ? e : new HostError(String(e)) };
      }
    }, { stdin }),
  );
  if (read.state === undefined) {
    // Check mode before etcd runs (a first deploy): nothing to read yet.
    if (h.check) return;
    throw read.error;
  }
  const state = read.state;
  const actions = etcdAuthPlan(inputs, state, { changePasswords });
  if (actions.length === 0) return;
  yield command({ name: `etcd authentication: ${actions.map((a) => a.what).join(', ')}`, cmd: etcdAuthCommand(inputs, actions), display: 'etcdctl (users, role, auth)', stdin });
}

/** Stage 5 (one member, before Patroni): TLS everywhere, the members config.yml names, users, role and auth on. */
export function etcdAuthRole(ctx: DeployContext): Role {
  return defineRole('etcd auth', async function* (h) {
    yield waitUntil({ name: 'every etcd member healthy over TLS', cmd: healthCommand(ctx), timeoutMs: ETCD_REJOIN_TIMEOUT_MS, intervalMs: 1000 });
    await checkMembership(h, ctx, 'auth', {});
    yield* converge(ctx, h, false);
  });
}

/** After Patroni runs with its configuration: a patroni password changed in secrets/ is set in etcd. */
export function etcdPasswordsRole(ctx: DeployContext): Role {
  return defineRole('etcd passwords', async function* (h) {
    yield* converge(ctx, h, true);
  });
}
