/**
 * EFM clusters clone their replicas with pg_basebackup (reference 4.6, 5.2;
 * repmgr clusters use `repmgr standby clone`, Patroni its own basebackup).
 * Each replica streams through a physical replication slot on its upstream,
 * created before the clone so no WAL the replica needs is recycled while it
 * copies. The clone writes what a standby needs: standby.signal, and
 * primary_conninfo/primary_slot_name in postgresql.auto.conf, where EFM
 * rewrites them itself when it repoints a standby after a promotion.
 */
import type { Instance, PostgresVersion } from '../../inventory/cluster.js';
import { quote } from '../../engine/shell/quote.js';
import { DATA_DIR, POSTGRES_PORT, binDir } from '../postgres/layout.js';
import { POSTGRES_PGPASS } from '../postgres/pgpass.js';
import { formatGucValue } from '../postgres/settings.js';

/** The physical slot a replica streams through: its host name, lower case, [a-z0-9_] only. */
export function efmSlotName(instance: Pick<Instance, 'name'>): string {
  return instance.name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/**
 * How a replica reaches its upstream: as the replication user, over TLS
 * (pg_hba asks for it), the password from postgres's .pgpass, and the replica's
 * name as application_name (EFM's application.name and pg_stat_replication).
 */
export function replicaConninfo(me: string, upstream: string): string {
  return `host=${upstream} port=${POSTGRES_PORT} user=replication application_name=${me} sslmode=require passfile=${POSTGRES_PGPASS}`;
}

/** The lines the clone appends to postgresql.auto.conf. */
export function standbySettings(me: string, upstream: string, slot: string): string {
  return `primary_conninfo = ${formatGucValue(replicaConninfo(me, upstream))}\nprimary_slot_name = ${formatGucValue(slot)}\n`;
}

export interface CloneOptions {
  version: PostgresVersion;
  me: string;
  /** Where the data comes from (the upstream, or the primary when the upstream is not ready). */
  source: string;
  /** Where the replica will stream from (primary_conninfo). */
  upstream: string;
  slot: string;
}

/**
 * The clone, run as postgres with the replication password on stdin (it
 * becomes PGPASSWORD for pg_basebackup alone: never in argv, a file or the
 * written configuration). A failed copy leaves no PG_VERSION behind, so the
 * next deploy clones again; pg_basebackup refuses a non-empty directory.
 */
export function basebackupCloneCommand(o: CloneOptions): string {
  const bin = binDir(o.version);
  // The clone streams through the replica's own slot only when it copies from that slot's host.
  const slotArgs = o.source === o.upstream ? ` -S ${quote(o.slot)}` : '';
  const source = `host=${o.source} port=${POSTGRES_PORT} user=replication application_name=${o.me} sslmode=require`;
  return [
    'IFS= read -r PGPASSWORD && export PGPASSWORD',
    `${bin}/pg_basebackup -D ${DATA_DIR} -d ${quote(source)} -X stream -c fast -w${slotArgs} || { rm -rf ${DATA_DIR}/* ; exit 1; }`,
    'unset PGPASSWORD',
    `touch ${DATA_DIR}/standby.signal`,
    `printf '%s' ${quote(standbySettings(o.me, o.upstream, o.slot))} >> ${DATA_DIR}/postgresql.auto.conf`,
  ].join(' && ');
}
