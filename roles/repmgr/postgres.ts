/**
 * What the postgres role does the repmgr way in a repmgr cluster: the
 * repmgr user and database, the repmgr library preloaded, replicas cloned
 * with `repmgr standby clone`, the fence on every data node, and a former
 * primary or a diverged standby rejoined with `repmgr node rejoin --force-rewind`.
 */
import type { DeployContext } from '../context.js';
import type { PostgresManagement, Yielded } from '../failoverManager.js';
import { command, defineFact, type HostContext } from '../../src/engine/index.js';
import { hasRole, type Cluster, type Instance } from '../../src/inventory/cluster.js';
import { effectivePrimary, effectiveUpstream } from '../../src/inventory/liveTopology.js';
import { fenceScript, standbyMarker } from '../../src/products/repmgr/fence.js';
import { DATA_DIR } from '../../src/products/postgres/layout.js';
import { asPostgres, remotePsql } from '../../src/products/postgres/run.js';
import { standbyCloneCommand } from '../../src/products/repmgr/commands.js';
import { repmgrDsn } from '../../src/products/repmgr/conninfo.js';
import { repmgrEnabled } from '../../src/products/repmgr/enabled.js';
import { REPMGR_DB, REPMGR_USER } from '../../src/products/repmgr/layout.js';
import { divergenceReadCommand, parseDivergenceRead, standbyDivergence } from '../../src/products/repmgr/divergence.js';
import { rejoinCommand } from '../../src/products/repmgr/rejoin.js';
import { REWIND_REPORT_PREFIX } from '../../src/products/repmgr/rewindReport.js';
import { dropInactiveSlotSql, ensurePhysicalSlotSql, repmgrSlotName } from '../../src/products/repmgr/sql.js';
import { repmgrFileOps } from './files.js';

/** A data node (not the witness) of a cluster where repmgr runs: the hosts that could run as a second primary. */
export function repmgrDataNode(cluster: Cluster, i: Instance): boolean {
  return repmgrEnabled(cluster) && (hasRole(i, 'primary') || hasRole(i, 'replica'));
}

/** The cluster's data nodes other than `i`, by node number: whom the start guard and the runtime fence ask. */
export function otherDataNodes(cluster: Cluster, i: Instance): string[] {
  return cluster.instances.filter((p) => p.name !== i.name && repmgrDataNode(cluster, p)).sort((a, b) => a.node - b.node).map((p) => p.name);
}

/** The fence script of a repmgr data node (its peers: the other data nodes), else undefined. */
export function fenceFor(cluster: Cluster, i: Instance): string | undefined {
  if (!repmgrDataNode(cluster, i)) return undefined;
  return fenceScript({ version: cluster.postgresVersion, me: i.name, peers: otherDataNodes(cluster, i) });
}

/**
 * A replica's data directory: `repmgr standby clone` from its upstream when
 * that answers, else from the primary (primary_conninfo still names the
 * upstream), then the slot it will use on its upstream.
 */
async function* cloneReplica(ctx: DeployContext, i: Instance, h: HostContext): Yielded {
  const cluster = ctx.cluster;
  const v = cluster.postgresVersion;
  if (!repmgrEnabled(cluster)) throw new Error(`${i.name}: a replica needs repmgr, which runs only when config.yml has a replica`);
  const primary = effectivePrimary(cluster, ctx.live);
  const upstream = effectiveUpstream(cluster, ctx.live, i.name) ?? primary;
  yield repmgrFileOps(ctx, i);
  let source = upstream;
  if (upstream !== primary) {
    const ready = await h.fact(defineFact(`upstream-answers-${upstream}`, remotePsql(v, `${repmgrDsn(upstream)} connect_timeout=5`, "-c 'SELECT 1'"), (r) => r.code === 0));
    if (!ready) source = primary;
  }
  yield command({
    name: `clone from ${source}${source !== upstream ? ` (${upstream} not ready), streaming from ${upstream}` : ''}`,
    cmd: asPostgres(standbyCloneCommand({ version: v, me: i.name, source, upstream })),
    creates: `${DATA_DIR}/PG_VERSION`,
    timeoutMs: 6 * 3600_000,
  });
  // The slot named in primary_slot_name must exist where the replica streams from.
  if (source === upstream || upstream === primary) {
    yield command({
      name: `replication slot ${repmgrSlotName(i.node)} on ${upstream}`,
      cmd: remotePsql(v, `${repmgrDsn(upstream)} connect_timeout=5`),
      stdin: ensurePhysicalSlotSql(repmgrSlotName(i.node)),
      changed: (r) => r.stdout.includes('created'),
    });
  }
  // A cascaded replica's clone leaves an inactive slot of its name on the
  // primary too; nothing streams from it, so it would hold the primary's WAL
  // until max_slot_wal_keep_size invalidates it.
  if (upstream !== primary) {
    yield command({
      name: `drop the unused slot ${repmgrSlotName(i.node)} on ${primary}`,
      cmd: remotePsql(v, `${repmgrDsn(primary)} connect_timeout=5`),
      stdin: dropInactiveSlotSql(repmgrSlotName(i.node)),
      changed: (r) => r.stdout.includes('dropped'),
    });
  }
}

/**
 * A data node that must be rewound before it can stream from the live
 * primary, rejoined as its standby (rejoin.ts) before the rest of the role
 * converges it. Two cases:
 *  - a former primary kept down by the fence (or stopped): its data
 *    directory is not a standby's, so starting it would make a second
 *    primary (the fence refuses that); decided from the facts read before
 *    the run plus one stat;
 *  - a running standby whose WAL left the live primary's history
 *    (divergence.ts): it is stopped first (it serves a history the cluster
 *    abandoned and can never stream again). Read only when its WAL receiver
 *    is not on the primary's timeline.
 * Either way the rewind report says what is discarded, and where it is kept.
 */
async function* rejoinAsStandby(ctx: DeployContext, i: Instance, h: HostContext): Yielded {
  const cluster = ctx.cluster;
  const live = ctx.live.primary;
  const f = ctx.hosts[i.name];
  if (!repmgrDataNode(cluster, i) || live === undefined || live === i.name) return;
  if (!f?.reachable || !f.dataDirInitialised) return;
  const rejoin = { version: cluster.postgresVersion, me: i.name, primary: live };
  // What the rewind discarded, and where its WAL is kept: said with the task.
  const report = (r: { stdout: string }) => r.stdout.split('\n').find((l) => l.startsWith(REWIND_REPORT_PREFIX));
  if (!f.postgresRunning) {
    if ((await h.facts.stat(standbyMarker(cluster.postgresVersion))) !== null) return;
    yield repmgrFileOps(ctx, i);
    yield command({ name: `rejoin ${i.name} as a standby of ${live} (a former primary: repmgr node rejoin --force-rewind)`, cmd: rejoinCommand(rejoin), report, timeoutMs: 6 * 3600_000 });
    return;
  }
  const primaryTimeline = ctx.hosts[live]?.timeline;
  if (!f.inRecovery || primaryTimeline === undefined || f.timeline === primaryTimeline) return;
  const read = await h.fact(
    defineFact(`divergence-from-${live}`, divergenceReadCommand({ version: cluster.postgresVersion, primary: live }), (r) => standbyDivergence(parseDivergenceRead(r.stdout))),
  );
  if (!read.diverged) return;
  yield repmgrFileOps(ctx, i);
  yield command({
    name: `rejoin ${i.name} as a standby of ${live} (a standby that left ${live}'s history: ${read.why}; stopped, then repmgr node rejoin --force-rewind)`,
    cmd: rejoinCommand({ ...rejoin, running: true }),
    report,
    timeoutMs: 6 * 3600_000,
  });
}

export function repmgrPostgres(cluster: Cluster): PostgresManagement {
  const runs = repmgrEnabled(cluster);
  return {
    ...(runs ? { database: { user: REPMGR_USER, name: REPMGR_DB } } : {}),
    preloadLibraries: runs ? ['repmgr'] : [],
    cloneReplica,
    fence: fenceFor,
    rejoinAsStandby,
  };
}
