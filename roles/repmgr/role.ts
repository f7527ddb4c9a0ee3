/**
 * The repmgr role, on every Postgres host of a repmgr cluster, after the
 * postgres role: repmgr's files, registration (primary, standby under its
 * live upstream, witness against the live primary) decided from repmgr.nodes,
 * the slots its downstream replicas stream through, and repmgrd.
 */
import { HostError, RefusedError } from '../../src/errors.js';
import type { DeployContext } from '../context.js';
import { command, defineFact, defineRole, needsOf, service, type HostContext, type Operation, type Role } from '../../src/engine/index.js';
import type { Instance } from '../../src/inventory/cluster.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { effectivePrimary, effectiveRole, effectiveUpstream } from '../../src/inventory/liveTopology.js';
import { asPostgres, localPsql } from '../../src/products/postgres/run.js';
import { catalogFact } from '../../src/live/catalog.js';
import { hostVar } from '../../src/config/vars.js';
import { nodeRejoinCommand, primaryRegisterCommand, standbyRegisterCommand, witnessRegisterCommand } from '../../src/products/repmgr/commands.js';
import { repmgrEnabled } from '../../src/products/repmgr/enabled.js';
import { repmgrFileOps } from './files.js';
import { plannedOutOp, runtimeFenceNeeds, runtimeFenceOps } from './fence.js';
import { repmgrPostgres } from './postgres.js';
import { restoreCommandChange, wantedRestoreCommand } from '../../src/products/repmgr/restoreCommand.js';
import { REPMGR_SERVICE } from '../../src/products/repmgr/layout.js';
import { nodeConninfo } from '../../src/products/repmgr/repmgrConf.js';
import { verifyingPrimaryConninfoSql } from '../../src/products/repmgr/primaryConninfo.js';
import { REPMGRD_STARTED_COMMAND, parseStartedAt, staleRepmgrd, unseenPromotion } from '../../src/products/repmgr/staleRepmgrd.js';
import { ensurePhysicalSlotSql, registrationNeeded, repmgrSlotName, type NodeRegistration } from '../../src/products/repmgr/sql.js';

/** Replicas that stream (or will) from `host` and whose data directory existed before this run. */
export function downstreamSlots(ctx: DeployContext, host: string): string[] {
  const cluster = ctx.cluster;
  return cluster.instances
    .filter((d) => d.name !== host && effectiveRole(cluster, ctx.live, d.name) === 'replica' && effectiveUpstream(cluster, ctx.live, d.name) === host)
    .filter((d) => ctx.hosts[d.name]?.dataDirInitialised && hostVar(cluster, d, 'repmgr_use_slots'))
    .map((d) => repmgrSlotName(d.node));
}

function registration(ctx: DeployContext, i: Instance): { want: NodeRegistration; cmd: (force: boolean) => string; upstream?: Instance } | undefined {
  const cluster = ctx.cluster;
  const v = cluster.postgresVersion;
  const role = effectiveRole(cluster, ctx.live, i.name);
  const force = (cmd: string, yes: boolean) => (yes ? `${cmd} --force` : cmd);
  const conninfo = nodeConninfo(i.name);
  if (role === 'primary') return { want: { nodeId: i.node, name: i.name, type: 'primary', conninfo }, cmd: (f) => force(primaryRegisterCommand(v), f) };
  if (role === 'witness') {
    const primary = effectivePrimary(cluster, ctx.live);
    return { want: { nodeId: i.node, name: i.name, type: 'witness', conninfo }, cmd: (f) => force(witnessRegisterCommand(v, primary), f) };
  }
  if (role === 'replica') {
    const upstream = instanceByName(cluster, effectiveUpstream(cluster, ctx.live, i.name) ?? effectivePrimary(cluster, ctx.live))!;
    // standby register always passes --force (a stale record or placeholder is replaced).
    return { want: { nodeId: i.node, name: i.name, type: 'standby', upstreamNodeId: upstream.node, conninfo }, cmd: () => standbyRegisterCommand(v, upstream.node), upstream };
  }
  return undefined;
}

function rejoinHint(version: Parameters<typeof nodeRejoinCommand>[0], primary: string): string {
  return `sudo systemctl stop postgres && ${nodeRejoinCommand(version, primary)}`;
}

export function repmgrRole(ctx: DeployContext): Role {
  return defineRole('repmgr', async function* (h: HostContext) {
    const cluster = ctx.cluster;
    if (!repmgrEnabled(cluster)) return;
    const i = instanceByName(cluster, h.host)!;
    const role = effectiveRole(cluster, ctx.live, h.host);
    if (role === undefined) return;
    const files = repmgrFileOps(ctx, i, true);
    // The catalog (a psql on the host), the files, the services and the fence's files, read in one command:
    // a converged host costs one round trip before its first check.
    const catalog = catalogFact(cluster, role === 'replica' ? 'standby' : role, repmgrPostgres(cluster).database !== undefined);
    await h.facts.prefetch([...needsOf(files), { kind: 'service', unit: REPMGR_SERVICE }, ...runtimeFenceNeeds(), { kind: 'fact', def: catalog }]);
    yield files;
    const reg = registration(ctx, i)!;
    const state = await h.fact(catalog);
    if (!state) {
      if (!h.check) throw new HostError(`${h.host}: Postgres does not answer; cannot read repmgr.nodes`);
      yield command({ name: `register ${reg.want.type} ${h.host}`, cmd: 'true' });
    } else {
      if (role === 'replica' && !state.inRecovery) {
        // A former primary started again after a failover: m1 never demotes anyone by itself.
        const primary = effectivePrimary(cluster, ctx.live);
        throw new RefusedError(
          `${h.host} runs as a primary but ${primary} is the primary now; rejoin it as a standby, as postgres: ` +
            `\`${rejoinHint(cluster.postgresVersion, primary)}\`; then deploy again (repmgr may fail to start the server: ` +
            `pg_rewind copies ${primary}'s configuration; the deploy rewrites this host's and starts it); ` +
            `or only stop it (sudo systemctl stop postgres: m1's fence keeps it down) and deploy again, which rejoins it`,
        );
      }
      const need = registrationNeeded(reg.want, state.repmgrNodes);
      if (typeof need === 'object' && 'conflict' in need) throw new RefusedError(`${h.host}: ${need.conflict}; fix repmgr.nodes by hand (repmgr cluster show)`);
      if (typeof need === 'object') {
        const exists = state.repmgrNodes.some((r) => r.nodeId === reg.want.nodeId);
        yield command({ name: `register ${reg.want.type} ${h.host} (${need.register})`, cmd: asPostgres(reg.cmd(exists)) });
      }
      if (role !== 'witness') {
        const missing = downstreamSlots(ctx, h.host).filter((s) => !state.slots.some((x) => x.name === s));
        if (missing.length > 0) {
          yield command({
            name: `replication slots ${missing.join(', ')}`,
            cmd: localPsql(cluster.postgresVersion, 'postgres'),
            stdin: missing.map(ensurePhysicalSlotSql).join(''),
          });
        }
        const restore = restoreCommandChange(cluster.postgresVersion, state.autoConfRestoreCommand, wantedRestoreCommand(cluster, i));
        if (restore) yield command({ name: restore.name, cmd: localPsql(cluster.postgresVersion, 'postgres'), stdin: restore.sql });
      }
      if (reg.upstream && state.primaryConninfoVerifies === false) {
        yield command({
          name: `primary_conninfo of ${h.host}: verify ${reg.upstream.name}'s certificate (sslmode=verify-full)`,
          cmd: localPsql(cluster.postgresVersion, 'postgres'),
          stdin: verifyingPrimaryConninfoSql(reg.upstream.name, i.name),
        });
      }
    }
    const ops: Operation[] = [service({ service: REPMGR_SERVICE, enabled: true, state: 'started' })];
    yield ops;
    // Only a standby whose upstream was promoted since it last followed costs a read of repmgrd's start.
    const promoted = reg.upstream && state ? unseenPromotion(i.node, reg.upstream.node, state.repmgrNodeEvents) : undefined;
    if (reg.upstream && promoted !== undefined) {
      const startedAt = await h.fact(defineFact('repmgrd-started', REPMGRD_STARTED_COMMAND, (r) => parseStartedAt(r.stdout)));
      const why = staleRepmgrd(startedAt, promoted, reg.upstream.name);
      if (why) yield command({ name: `restart repmgrd on ${h.host}: ${why}`, cmd: `systemctl restart ${REPMGR_SERVICE}.service` });
    }
    // After registration and repmgrd: the fence asks the other voters as repmgr.
    yield* runtimeFenceOps(cluster, i, h);
    const plannedOut = plannedOutOp(ctx, i);
    if (plannedOut) yield plannedOut;
  });
}
