/**
 * The etcd roles of a deploy, as engine roles (the plan in plan.ts, cut into
 * the stages a playbook runs):
 *
 * 1. `etcdRole` on every member at once: packages; a member that never ran
 *    with our settings has the package's single member stopped and its data
 *    removed, gets /etc/default/etcd, and is started WITHOUT waiting (etcd
 *    notifies systemd only once it has a quorum, so a blocking start on the
 *    first member would wait for the others); a stopped member is started the
 *    same way. A running member is left alone here.
 * 2. `etcdHealthRole` on one member: every endpoint healthy (bounded wait),
 *    then the membership is exactly config.yml's members.
 * 3. `etcdSettingsRole`, serial: a running member whose settings changed is
 *    restarted, with every endpoint healthy before (refused otherwise: the
 *    restart could lose the quorum) and after.
 */
import { HostError, RefusedError } from '../../src/errors.js';
import type { DeployContext } from '../context.js';
import { command, defineFact, defineRole, file, flushHandlers, packages, restart, service, waitUntil, type Role } from '../../src/engine/index.js';
import { quote } from '../../src/engine/shell/quote.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { describeHealth, etcdEndpointHealthCommand, parseEndpointHealth } from '../../src/products/etcd/endpointHealthCommand.js';
import { ETCD_PACKAGES, ETCD_ENV_FILE, ETCD_PACKAGE_DATA_DIR, ETCD_SERVICE, etcdDataDir, etcdEnvFile } from '../../src/products/etcd/environment.js';
import { compareMembership, etcdMemberListCommand, membershipMatches, parseMemberList } from '../../src/products/etcd/memberListCommand.js';
import { etcdMembers } from '../../src/products/etcd/members.js';

/** Bounds: forming a new cluster (all members start together), one member rejoining after a restart. */
export const ETCD_FORM_TIMEOUT_MS = 90_000;
export const ETCD_REJOIN_TIMEOUT_MS = 60_000;

const RUNNING = new Set(['active', 'activating', 'reloading']);

function envFileOp(ctx: DeployContext, host: string, notifyRestart: boolean) {
  const instance = instanceByName(ctx.cluster, host)!;
  return file({
    path: ETCD_ENV_FILE,
    content: etcdEnvFile(ctx.cluster, instance),
    owner: 'root',
    group: 'root',
    mode: '0644',
    ...(notifyRestart ? { notify: restart(ETCD_SERVICE) } : {}),
  });
}

const startNoBlock = (why: string) =>
  command({ name: `start etcd without waiting (${why})`, cmd: `systemctl start --no-block ${ETCD_SERVICE}` });

/** Stage 1: packages, and members that are new or stopped started together. */
export function etcdRole(ctx: DeployContext): Role {
  return defineRole('etcd', async function* (h) {
    const skip = ctx.skipPackages.has('etcd');
    yield packages({ names: ETCD_PACKAGES, when: !skip });
    const memberDir = `${etcdDataDir(ctx.cluster)}/member`;
    const [formed, svc] = await Promise.all([h.facts.stat(memberDir), h.facts.service(ETCD_SERVICE)]);
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
        envFileOp(ctx, h.host, false),
        service({ service: ETCD_SERVICE, enabled: true }),
        startNoBlock('members wait for each other'),
      ];
    } else if (!RUNNING.has(svc.activeState)) {
      yield [envFileOp(ctx, h.host, false), service({ service: ETCD_SERVICE, enabled: true }), startNoBlock('it was stopped')];
    }
  });
}

function healthCommand(ctx: DeployContext): string {
  return etcdEndpointHealthCommand(etcdMembers(ctx.cluster));
}

/** Stage 2 (one member): every endpoint healthy, membership as config.yml says. */
export function etcdHealthRole(ctx: DeployContext): Role {
  return defineRole('etcd health', async function* (h) {
    const members = etcdMembers(ctx.cluster);
    yield waitUntil({
      name: `every etcd member healthy (${members.map((m) => m.name).join(', ')})`,
      cmd: healthCommand(ctx),
      timeoutMs: ETCD_FORM_TIMEOUT_MS,
      intervalMs: 1000,
    });
    const live = await h.fact(
      defineFact(`etcd-member-list`, etcdMemberListCommand(members), (r) => (r.code === 0 ? parseMemberList(r.stdout) : undefined)),
    );
    if (live === undefined) {
      if (h.check) return;
      const health = await h.fact(defineFact('etcd-health', healthCommand(ctx), (r) => parseEndpointHealth(r.stdout || '[]', members)));
      throw new HostError(`etcdctl member list failed; ${describeHealth(health)}`);
    }
    const diff = compareMembership(members, live);
    if (!membershipMatches(diff)) {
      const parts = [
        diff.missing.length ? `missing ${diff.missing.join(', ')}` : '',
        diff.unexpected.length ? `not in config.yml: ${diff.unexpected.join(', ')}` : '',
        diff.peerUrlMismatch.length ? `other peer URLs: ${diff.peerUrlMismatch.join(', ')}` : '',
        diff.notStarted.length ? `added but never started: ${diff.notStarted.join(', ')}` : '',
      ].filter(Boolean);
      throw new RefusedError(`etcd membership differs from config.yml (${parts.join('; ')}): fix it with etcdctl member add/remove, then deploy again`);
    }
  });
}

/** Stage 3 (serial): a running member whose settings changed is restarted, the cluster healthy before and after. */
export function etcdSettingsRole(ctx: DeployContext): Role {
  return defineRole('etcd settings', async function* (h) {
    const instance = instanceByName(ctx.cluster, h.host)!;
    const want = etcdEnvFile(ctx.cluster, instance);
    const current = await h.facts.content(ETCD_ENV_FILE);
    if (current !== null && current.toString('utf8') === want) return;
    const members = etcdMembers(ctx.cluster);
    yield waitUntil({
      name: `every etcd member healthy before ${h.host} restarts`,
      cmd: healthCommand(ctx),
      // Short: this is a precondition, not a wait for a cluster forming.
      timeoutMs: 10_000,
      intervalMs: 1000,
    });
    yield envFileOp(ctx, h.host, true);
    yield flushHandlers();
    yield waitUntil({
      name: `${h.host} back in a healthy etcd cluster (${members.length} members)`,
      cmd: healthCommand(ctx),
      timeoutMs: ETCD_REJOIN_TIMEOUT_MS,
      intervalMs: 1000,
    });
  });
}
