/**
 * The desired dynamic (DCS) configuration of the Patroni cluster: what
 * `bootstrap.dcs` seeds on the first start and what every later deploy
 * compares with GET /config (reference 5.3).
 */
import type { Cluster } from '../../inventory/cluster.js';
import { clusterVar } from '../../config/vars.js';
import { mergeWithDeletes, type JsonObject } from './json.js';
import { barmanHosts, barmanSlotName, patroniMembers, patroniSlotName } from './members.js';
import { dcsParameters, m1DcsDefaultParameters, type Parameters } from './parameters.js';

/**
 * Written out so GET /config shows them and a diff sees changes. A dead
 * leader is replaced once its key expires (Patroni 3.0.2, dcs/etcd3.py): the
 * key lives on the leader's etcd lease, which the leader renews once per loop
 * (update_leader, each loop_wait), so it ends `ttl` after the last renewal:
 * (ttl - loop_wait) to ttl after a crash, 10 to 20 s. etcd's watch wakes the
 * replica at once; it then asks every member it knew, the dead leader
 * included, for its WAL position and gives each 2 s (ha.py
 * fetch_node_status, a fixed timeout) before it takes the key and promotes:
 * 12 to 22 s, 17 s on average. 20 s is the least `ttl` Patroni's
 * documentation allows, so a longer loop_wait is what shortens the average.
 * A leader cut off from the DCS demotes itself when its next loop (at most
 * loop_wait after the last renewal) cannot refresh the lease within
 * retry_timeout; that loop may first wait retry_timeout for a stale cluster
 * view, hence Patroni's rule loop_wait + 2 x retry_timeout <= ttl (10 + 10 =
 * 20): it has stopped taking writes before its key can expire, and 2 s more
 * before the replica promotes. retry_timeout 5 still outlasts an etcd
 * election (2.5 to 5 s with m1's 2500 ms election timeout) without demoting;
 * the bench's quiet run (10 minutes of writes, both cores busy) saw no
 * demotion.
 */
export const DCS_TIMING = {
  ttl: 20,
  loop_wait: 10,
  retry_timeout: 5,
  /** 1 MiB: a replica further behind is not promoted automatically. */
  maximum_lag_on_failover: 1048576,
} as const;

export interface DynamicConfigOptions {
  /** Cluster-wide parameter defaults under config.yml's; default m1DcsDefaultParameters. */
  defaultParameters?: Readonly<Parameters>;
}

export function patroniDynamicConfig(cluster: Cluster, opts: DynamicConfigOptions = {}): JsonObject {
  const members = patroniMembers(cluster);
  // Every member's slot is permanent: kept on the leader (and recreated after a
  // failover) even while that member is down, so it can catch up from WAL
  // rather than being rebuilt. Patroni skips the leader's own name.
  const slots: JsonObject = Object.fromEntries(
    members.map((m) => [patroniSlotName(m.name), { type: 'physical' }]),
  );
  // Barman's slot is created by `barman receive-wal --create-slot`; without
  // this Patroni would drop it as unknown on its next cycle.
  const ignoreSlots = barmanHosts(cluster).map((b) => ({ name: barmanSlotName(b), type: 'physical' }));
  const sync = clusterVar(cluster, 'synchronous_replication');
  const config: JsonObject = {
    ...DCS_TIMING,
    // synchronous_replication: on waits for one standby while one is healthy; strict refuses to run alone.
    synchronous_mode: sync !== 'off',
    synchronous_mode_strict: sync === 'strict',
    postgresql: {
      // pg_rewind lets a former primary rejoin as a replica after a failover
      // (it needs wal_log_hints, which Patroni forces on).
      use_pg_rewind: clusterVar(cluster, 'patroni_rewind_enabled'),
      use_slots: true,
      parameters: dcsParameters(cluster, opts.defaultParameters ?? m1DcsDefaultParameters(cluster)),
    },
    slots,
    ignore_slots: ignoreSlots,
  };
  const overrides = clusterVar(cluster, 'patroni_dynamic_conf_settings');
  if (overrides === undefined) return config;
  // YAML data: JSON values.
  return mergeWithDeletes(config, overrides as JsonObject);
}
