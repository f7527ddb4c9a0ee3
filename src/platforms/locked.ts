/**
 * Provision and deprovision as m1 runs them: under the cluster lock that
 * deploy takes too, so a container is never created, replaced or removed
 * under a run that is using it (refused, exit 3, while another holds it).
 * The `...ClusterDir` forms read config.yml first: they are `m1 provision
 * <dir>` and `m1 deprovision <dir>` as library calls.
 */
import { loadCluster } from '../config/load.js';
import { acquireLock } from '../engine/run/lock.js';
import type { Cluster } from '../inventory/cluster.js';
import { platformFor } from './platformFor.js';
import type { DeprovisionOptions, DeprovisionResult, ProvisionOptions, ProvisionResult } from './platform.js';

async function withClusterLock<T>(cluster: Pick<Cluster, 'dir'>, command: string, fn: () => Promise<T>): Promise<T> {
  const lock = acquireLock(cluster.dir, command);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

export function provisionCluster(cluster: Cluster, opts: ProvisionOptions = {}): Promise<ProvisionResult> {
  return withClusterLock(cluster, 'provision', () => platformFor(cluster).provision(cluster, opts));
}

export interface DeprovisionRequest extends DeprovisionOptions {
  /**
   * Asked with what would be removed (never empty) before anything is;
   * false removes nothing. May throw (e.g. RefusedError when no one can be asked).
   */
  confirm: (items: string[], cluster: string) => Promise<boolean>;
}

export type DeprovisionOutcome =
  | { status: 'nothing' }
  | { status: 'declined'; items: string[] }
  | { status: 'removed'; items: string[]; result: DeprovisionResult };

/** Plan, confirmation and removal under one hold of the lock: what was confirmed is what is removed. */
export function deprovisionCluster(cluster: Cluster, req: DeprovisionRequest): Promise<DeprovisionOutcome> {
  return withClusterLock(cluster, 'deprovision', async () => {
    const platform = platformFor(cluster);
    const items = await platform.deprovisionPlan(cluster);
    if (items.length === 0) return { status: 'nothing' };
    if (!(await req.confirm(items, cluster.name))) return { status: 'declined', items };
    return { status: 'removed', items, result: await platform.deprovision(cluster, { progress: req.progress }) };
  });
}

/** What the `...ClusterDir` forms add: config.yml's warnings, as soon as it is read. */
export interface ConfigWarnings {
  /** Called once per warning about config.yml (they are in the result too). */
  warning?: (message: string) => void;
}

export async function provisionClusterDir(
  dir: string,
  opts: ProvisionOptions & ConfigWarnings = {},
): Promise<ProvisionResult & { configWarnings: string[] }> {
  const { warning, ...provisionOptions } = opts;
  const { cluster, warnings } = await loadCluster(dir);
  for (const w of warnings) warning?.(w);
  return { ...(await provisionCluster(cluster, provisionOptions)), configWarnings: warnings };
}

export async function deprovisionClusterDir(
  dir: string,
  req: DeprovisionRequest & ConfigWarnings,
): Promise<DeprovisionOutcome & { cluster: string; configWarnings: string[] }> {
  const { warning, ...request } = req;
  const { cluster, warnings } = await loadCluster(dir);
  for (const w of warnings) warning?.(w);
  return { ...(await deprovisionCluster(cluster, request)), cluster: cluster.name, configWarnings: warnings };
}
