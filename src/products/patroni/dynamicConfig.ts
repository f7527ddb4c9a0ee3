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
 * leader is replaced once its key expires: the key lives on the leader's
 * etcd lease, renewed once per loop, so it ends `ttl` after the last renewal
 * (12 to 20 s after a crash); the replica then waits 2 s for the dead leader's
 * REST API (Patroni's fixed timeout) and promotes: 14 to 22 s, 18.2 s median
 * in `npm run bench:drill`. 20 s is the least `ttl` Patroni's documentation
 * allows. A leader cut off from the DCS demotes itself when a refresh fails
 * for retry_timeout, before its key can expire: Patroni's rule loop_wait +
 * 2 x retry_timeout <= ttl (8 + 12 = 20). A shorter retry_timeout demotes on
 * shorter DCS stalls (etcd's election, 2.5 s, fits well inside 6 s); the
 * bench's quiet run (10 minutes of writes, both cores busy) saw no demotion.
 */
export const DCS_TIMING = {
  ttl: 20,
  loop_wait: 8,
  retry_timeout: 6,
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
