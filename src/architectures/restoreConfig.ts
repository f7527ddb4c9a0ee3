/**
 * The config.yml of the cluster `m1 restore` creates, derived from the
 * source cluster's model. Pure.
 *
 * The same architecture, failover manager, Postgres version and settings
 * (cluster_vars and instance_defaults copied: postgres_conf_settings, the
 * package pin, the image, Barman's retention...), laid out by configure's own
 * rules in one location (the source primary's): a primary and `dataNodes - 1`
 * replicas, its own Barman server, PgBouncer when the source has it. Names
 * and the docker network come from the new directory's name; the hostnames
 * are always prefixed with it, since container names are global on a
 * Docker engine and the source's hosts may carry configure's plain names.
 * Instance-level vars of the source (per-host settings) are not carried:
 * the new hosts are other hosts.
 */
import { UsageError } from '../errors.js';
import { hasRole, type Cluster } from '../inventory/cluster.js';
import type { ConfigDocument } from '../config/document.js';
import { configureM1 } from './m1.js';

export const MAX_RESTORE_DATA_NODES = 9;

/** What restore can build today; a UsageError (exit 2) naming why not otherwise. */
export function restoreRefusal(source: Cluster): string | undefined {
  if (source.platform !== 'docker') return `${source.name} runs on ${source.platform}: m1 restore provisions the new cluster on docker only for now`;
  if (source.failoverManager !== 'repmgr') {
    return `${source.name} uses ${source.failoverManager}: m1 restore builds repmgr clusters only for now (a Patroni cluster bootstraps its data directory itself; EFM cannot be installed here)`;
  }
  return undefined;
}

export function restoreConfig(source: Cluster, newName: string, dataNodes = 1): ConfigDocument {
  const refusal = restoreRefusal(source);
  if (refusal) throw new UsageError(refusal);
  if (!Number.isInteger(dataNodes) || dataNodes < 1 || dataNodes > MAX_RESTORE_DATA_NODES) {
    throw new UsageError(`--data-nodes ${dataNodes}: give 1 (the primary alone) to ${MAX_RESTORE_DATA_NODES}`);
  }
  if (newName === source.name) throw new UsageError(`--into: the new cluster's directory is named ${newName}, as the source; choose another name`);
  const primary = source.instances.find((i) => hasRole(i, 'primary'));
  const location = primary?.location ?? source.locations[0]?.name ?? 'main';
  const doc = configureM1({
    clusterName: newName,
    postgresVersion: source.postgresVersion,
    failoverManager: source.failoverManager,
    platform: source.platform,
    locationNames: [location],
    dataNodesPerLocation: dataNodes,
    enablePgbouncer: source.instances.some((i) => hasRole(i, 'pgbouncer')),
    enableHaproxy: source.instances.some((i) => hasRole(i, 'haproxy')),
    clusterPrefixedHostnames: true,
  });
  // The source's settings; configure's failover_manager and postgres_version are the same values.
  doc.cluster_vars = { ...structuredClone(source.clusterVars) };
  doc.instance_defaults = { ...structuredClone(source.instanceDefaults) };
  doc.cluster_tags = { ...structuredClone(source.clusterTags) };
  return doc;
}
