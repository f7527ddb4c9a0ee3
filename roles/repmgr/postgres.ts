/**
 * What the postgres role does the repmgr way in a repmgr cluster: the
 * repmgr user and database, the repmgr library preloaded, replicas cloned
 * with `repmgr standby clone`, the fence on every data node, and a former
 * primary or a diverged standby rejoined with `repmgr node rejoin --force-rewind`.
 */
import type { DeployContext, HostLiveFacts } from '../context.js';
import type { PostgresManagement, Yielded } from '../failoverManager.js';
import { command, defineFact, type FactDef, type HostContext } from '../../src/engine/index.js';
import { hasRole, type Cluster, type Instance } from '../../src/inventory/cluster.js';
import { effectivePrimary, effectiveUpstream, type LiveState } from '../../src/inventory/liveTopology.js';
import { fenceScript, standbyMarker } from '../../src/products/repmgr/fence.js';
import { DATA_DIR } from '../../src/products/postgres/layout.js';
import { asPostgres, remotePsql } from '../../src/products/postgres/run.js';
import { quote } from '../../src/engine/shell/quote.js';
import { standbyCloneCommand } from '../../src/products/repmgr/commands.js';
import { repmgrDsn } from '../../src/products/repmgr/conninfo.js';
import { repmgrEnabled } from '../../src/products/repmgr/enabled.js';
import { REPMGR_DB, REPMGR_USER } from '../../src/products/repmgr/layout.js';
import { divergenceReadCommand, parseDivergenceRead, standbyDivergence } from '../../src/products/repmgr/divergence.js';
import { rejoinCommand } from '../../src/products/repmgr/rejoin.js';
import { REWIND_REPORT_PREFIX } from '../../src/products/repmgr/rewindReport.js';
import { dropInactiveSlotSql, ensurePhysicalSlotSql, repmgrSlotName } from '../../src/products/repmgr/sql.js';
import { repmgrFileOps } from './files.js';
import { plannedOutOp } from './fence.js';

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
 * Why a data node must be rewound before it can stream from the live
 * primary, else undefined. Two cases:
 *  - a former primary kept down by the fence (or stopped): its data
 *    directory is not a standby's (no standby.signal), so starting it would
 *    make a second primary (the fence refuses that);
 *  - a running standby whose WAL left the live primary's history
 *    (divergence.ts): it serves a history the cluster abandoned and can
 *    never stream again. Read only when it is not on the primary's timeline.
 * Asked before the run, so that every role sees the node streaming from the
 * primary (the rejoin points it there, whatever its configured upstream).
 */
async function rejoinReason(
  cluster: Cluster,
  live: LiveState,
  hosts: Readonly<Record<string, HostLiveFacts>>,
  i: Instance,
  read: <T>(def: FactDef<T>) => Promise<T>,
): Promise<string | undefined> {
  const primary = live.primary;
  const f = hosts[i.name];
  if (!repmgrDataNode(cluster, i) || primary === undefined || primary === i.name) return undefined;
  if (!f?.reachable || !f.dataDirInitialised) return undefined;
  if (!f.postgresRunning) {
    const marker = standbyMarker(cluster.postgresVersion);
    const standby = await read(defineFact(`exists-${marker}`, `test -e ${quote(marker)} && echo yes || echo no`, (r) => r.stdout.trim() === 'yes'));
    return standby ? undefined : 'a former primary: repmgr node rejoin --force-rewind';
  }
  const primaryTimeline = hosts[primary]?.timeline;
  if (!f.inRecovery || primaryTimeline === undefined || f.timeline === primaryTimeline) return undefined;
  const d = await read(
    defineFact(`divergence-from-${primary}`, divergenceReadCommand({ version: cluster.postgresVersion, primary }), (r) => standbyDivergence(parseDivergenceRead(r.stdout))),
  );
  return d.diverged ? `a standby that left ${primary}'s history: ${d.why}; stopped, then repmgr node rejoin --force-rewind` : undefined;
}

/**
 * Rejoins the host as a standby of the live primary, rewound (rejoin.ts),
 * before the rest of the role converges it, when rejoinReason said so. The
 * rewind report says what is discarded, and where its WAL is kept.
 */
async function* rejoinAsStandby(ctx: DeployContext, i: Instance): Yielded {
  const live = ctx.live.primary;
  const f = ctx.hosts[i.name];
  if (live === undefined || f?.rejoin === undefined) return;
  yield repmgrFileOps(ctx, i);
  yield command({
    name: `rejoin ${i.name} as a standby of ${live} (${f.rejoin})`,
    cmd: rejoinCommand({ version: ctx.cluster.postgresVersion, me: i.name, primary: live, ...(f.postgresRunning ? { running: true } : {}) }),
    report: (r) => r.stdout.split('\n').find((l) => l.startsWith(REWIND_REPORT_PREFIX)),
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
    rejoinReason,
    rejoinAsStandby,
    plannedOut: plannedOutOp,
  };
}
