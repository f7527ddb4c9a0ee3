/**
 * A replica's data directory on a cluster whose failover manager is not
 * repmgr (Patroni): `pg_basebackup` from the live primary (TPA's
 * postgres/replica path, reference 4.6), then this host's own conf.d
 * settings over the primary's copies (its TLS certificate, its memory), so
 * the server can start here. Nothing starts it: the failover manager does
 * (Patroni writes the recovery settings and starts it as a replica).
 */
import type { DeployContext } from '../../src/deploy/context.js';
import { command, file, type HostContext, type Operation } from '../../src/engine/index.js';
import type { Cluster, Instance } from '../../src/inventory/cluster.js';
import { instanceByName } from '../../src/inventory/cluster.js';
import { effectivePrimary } from '../common/liveTopology.js';
import { shellJoin } from '../common/shell.js';
import { DATA_DIR, POSTGRES_GROUP, POSTGRES_PORT, POSTGRES_USER, binDir } from './layout.js';
import { asPostgres } from './run.js';
import { confDFiles } from './settings.js';

/** The replication user a basebackup connects as (its password is in ~postgres/.pgpass, host `*`). */
export const BASEBACKUP_USER = 'replication';

/** Where other hosts reach an instance: its IP, else its name. */
function addressOf(i: Instance): string {
  return i.ipAddress ?? i.name;
}

/** pg_basebackup into the (empty) data directory, WAL streamed alongside, fast checkpoint, run as postgres. */
export function basebackupCommand(cluster: Cluster, me: string, source: Instance): string {
  const conninfo = `host=${addressOf(source)} port=${POSTGRES_PORT} user=${BASEBACKUP_USER} application_name=${me} connect_timeout=10`;
  return asPostgres(
    shellJoin([`${binDir(cluster.postgresVersion)}/pg_basebackup`, '-D', DATA_DIR, '-X', 'stream', '--checkpoint=fast', '--no-password', '-d', conninfo]),
  );
}

export async function* basebackupReplica(ctx: DeployContext, i: Instance, _h: HostContext): AsyncGenerator<Operation | Operation[], void, unknown> {
  const cluster = ctx.cluster;
  const primary = effectivePrimary(cluster, ctx.live);
  const source = instanceByName(cluster, primary);
  if (!source) throw new Error(`${i.name}: primary ${primary} is not an instance of ${cluster.name}`);
  yield command({
    name: `pg_basebackup from ${primary}`,
    cmd: basebackupCommand(cluster, i.name, source),
    creates: `${DATA_DIR}/PG_VERSION`,
    timeoutMs: 6 * 3600_000,
  });
  // The copies of the primary's conf.d name its certificate and are sized for its memory.
  const files = confDFiles({ cluster, instance: i, memoryMb: ctx.memoryMb[i.name] ?? 1024 });
  yield files
    .filter((f) => !f.createOnly)
    .map((f) => file({ path: f.path, content: f.content, owner: POSTGRES_USER, group: POSTGRES_GROUP, mode: '0600' }));
}
