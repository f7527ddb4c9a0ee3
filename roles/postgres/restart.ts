/**
 * The restart of Postgres for settings that need one, planned by deploy
 * before the run and done in a serial stage of its own after the data
 * nodes' stages (replicas before the primary, or the primary first when a
 * setting standbys must not run lower than their primary is lowered). A
 * failover manager that watches the servers wraps the restart with its own
 * operations (repmgr pauses repmgrd around it).
 */
import { command, defineRole, waitUntil, type Operation, type Role, type Stage } from '../../src/engine/index.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { POSTGRES_PORT, POSTGRES_SERVICE, SOCKET_DIR, binDir } from '../../src/products/postgres/layout.js';

/** A failover manager's operations before and after a host's restart. */
export interface RestartWrap {
  before(host: string): Operation[];
  after(host: string): Operation[];
}

export function postgresRestartRole(cluster: Cluster, wrap?: RestartWrap): Role {
  const v = cluster.postgresVersion;
  return defineRole('postgres restart', (h) => [
    ...(wrap?.before(h.host) ?? []),
    command({ name: `restart ${POSTGRES_SERVICE} (settings that need a restart changed)`, cmd: `systemctl restart ${POSTGRES_SERVICE}` }),
    waitUntil({ name: 'postgres accepts connections', cmd: `${binDir(v)}/pg_isready -q -h ${SOCKET_DIR} -p ${POSTGRES_PORT}`, timeoutMs: 120_000 }),
    ...(wrap?.after(h.host) ?? []),
  ]);
}

/** The restart stage, one host at a time in `restartOrder`; none when nothing needs a restart. */
export function restartStages(cluster: Cluster, restartOrder: readonly string[], wrap?: RestartWrap): Stage[] {
  if (restartOrder.length === 0) return [];
  return [{ name: 'restart', hosts: [...restartOrder], roles: [postgresRestartRole(cluster, wrap)], serial: true }];
}
