/**
 * What the postgres role does the EFM way in an EFM cluster: a replica's
 * data directory is cloned with pg_basebackup through the replica's own
 * slot, from its upstream when that answers, else from the primary
 * (primary_conninfo still names the upstream). EFM watches the servers and
 * leaves their configuration and process to deploy.
 */
import type { DeployContext } from '../context.js';
import { passwordOf } from '../context.js';
import type { PostgresManagement, Yielded } from '../failoverManager.js';
import { command, defineFact, type HostContext } from '../../src/engine/index.js';
import type { Instance } from '../../src/inventory/cluster.js';
import { effectivePrimary, effectiveUpstream } from '../../src/inventory/liveTopology.js';
import { quote } from '../../src/engine/shell/quote.js';
import { DATA_DIR, POSTGRES_PORT, binDir } from '../../src/products/postgres/layout.js';
import { asPostgres } from '../../src/products/postgres/run.js';
import { basebackupCloneCommand, efmSlotName } from '../../src/products/efm/clone.js';

async function* cloneReplica(ctx: DeployContext, i: Instance, h: HostContext): Yielded {
  const cluster = ctx.cluster;
  const v = cluster.postgresVersion;
  const primary = effectivePrimary(cluster, ctx.live);
  const upstream = effectiveUpstream(cluster, ctx.live, h.host) ?? primary;
  let source = upstream;
  if (upstream !== primary) {
    const ready = await h.fact(defineFact(`upstream-ready-${upstream}`, `${binDir(v)}/pg_isready -q -t 5 -h ${quote(upstream)} -p ${POSTGRES_PORT}`, (r) => r.code === 0));
    if (!ready) source = primary;
  }
  yield command({
    name: `clone from ${source} with pg_basebackup${source !== upstream ? ` (${upstream} not ready), streaming from ${upstream}` : ''} (slot ${efmSlotName(i)})`,
    cmd: asPostgres(basebackupCloneCommand({ version: v, me: h.host, source, upstream, slot: efmSlotName(i) })),
    stdin: `${passwordOf(ctx, 'replication')}\n`,
    creates: `${DATA_DIR}/PG_VERSION`,
    timeoutMs: 6 * 3600_000,
  });
}

export function efmPostgres(): PostgresManagement {
  return { preloadLibraries: [], cloneReplica };
}
