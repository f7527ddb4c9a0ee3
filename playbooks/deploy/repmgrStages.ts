/**
 * The deploy playbook of a repmgr M1 cluster, in the order of the LIVE
 * replication topology:
 *   1. common: every host at once (/etc/hosts, packages, SSH between service users);
 *   2. the primary (postgres, repmgr: initdb, users, registration);
 *   3. its replicas and the witness, in parallel (clone, register);
 *   4. cascaded replicas, each level after the one it streams from;
 *   5. restarts the settings need, one host at a time, replicas before the
 *      primary (the primary first when a standby-sensitive setting is lowered);
 *   6. Barman, then PgBouncer (their checks see the restarted servers).
 * A host whose upstream failed sits the later stages out.
 */
import type { DeployContext } from '../../roles/context.js';
import { command, waitUntil, defineRole, type Playbook, type Role, type Stage } from '../../src/engine/index.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { hasRole, runsPostgres } from '../../src/inventory/cluster.js';
import { effectivePrimary, effectiveRole, effectiveUpstream, type LiveState } from '../../src/inventory/liveTopology.js';
import { commonRole } from '../../roles/common/role.js';
import { postgresRole } from '../../roles/postgres/role.js';
import { POSTGRES_PORT, POSTGRES_SERVICE, SOCKET_DIR, binDir } from '../../src/products/postgres/layout.js';
import { repmgrRole } from '../../roles/repmgr/role.js';
import { repmgrEnabled } from '../../src/config/repmgrEnabled.js';
import { REPMGR_SERVICE } from '../../src/products/repmgr/layout.js';
import { nodeActiveCommand, servicePauseCommand } from '../../src/products/repmgr/commands.js';
import { asPostgres } from '../../src/products/postgres/run.js';
import { barmanRole } from '../../roles/barman/role.js';
import { pgbouncerRole } from '../../roles/pgbouncer/role.js';

/** Postgres hosts by streaming level from the live primary: [primary], [its replicas + witnesses], [cascaded]... */
export function postgresLevels(cluster: Cluster, live: LiveState): string[][] {
  const primary = effectivePrimary(cluster, live);
  const pg = cluster.instances.filter((i) => runsPostgres(i, cluster.failoverManager)).sort((a, b) => a.node - b.node);
  const level = new Map<string, number>([[primary, 0]]);
  for (const w of pg) if (effectiveRole(cluster, live, w.name) === 'witness') level.set(w.name, 1);
  for (let d = 1; d <= pg.length; d++) {
    for (const i of pg) {
      if (level.has(i.name)) continue;
      const up = effectiveUpstream(cluster, live, i.name);
      if (up !== undefined && level.get(up) === d - 1) level.set(i.name, d);
    }
  }
  // Anything left (an upstream cycle in a hand-edited config) comes last.
  const last = Math.max(0, ...level.values()) + 1;
  for (const i of pg) if (!level.has(i.name)) level.set(i.name, last);
  const levels: string[][] = [];
  for (const i of pg) (levels[level.get(i.name)!] ??= []).push(i.name);
  return levels.filter((l) => l && l.length > 0);
}

/**
 * Restart of Postgres for settings that need one (planned by deploy before
 * the run). repmgrd is paused cluster-wide around it: a restart that outlasts
 * repmgrd's reconnect window (a slow checkpoint, a loaded host) must not be
 * taken for a dead primary and trigger a failover. The node's own repmgrd
 * is stopped around its restart: left running, it marks its node inactive in
 * repmgr.nodes when the local server is gone at its next look, and active
 * again only when it reconnects, seconds later (a deploy right after would
 * re-register the node); started again, it sets the record active at once.
 */
export function postgresRestartRole(cluster: Cluster, primary: string): Role {
  const v = cluster.postgresVersion;
  const repmgr = repmgrEnabled(cluster);
  return defineRole('postgres restart', (h) => [
    command({ name: 'pause repmgrd on every node (no failover during the restart)', cmd: asPostgres(servicePauseCommand(v, true)), when: repmgr }),
    command({ name: `stop ${REPMGR_SERVICE} on ${h.host} while its server restarts`, cmd: `systemctl stop ${REPMGR_SERVICE}`, when: repmgr }),
    command({ name: `restart ${POSTGRES_SERVICE} (settings that need a restart changed)`, cmd: `systemctl restart ${POSTGRES_SERVICE}` }),
    waitUntil({ name: 'postgres accepts connections', cmd: `${binDir(v)}/pg_isready -q -h ${SOCKET_DIR} -p ${POSTGRES_PORT}`, timeoutMs: 120_000 }),
    command({ name: `start ${REPMGR_SERVICE} on ${h.host}`, cmd: `systemctl start ${REPMGR_SERVICE}`, when: repmgr }),
    command({ name: 'unpause repmgrd on every node', cmd: asPostgres(servicePauseCommand(v, false)), when: repmgr }),
    waitUntil({
      name: `repmgrd marks ${h.host} active again (repmgr.nodes on ${primary})`,
      cmd: nodeActiveCommand(v, primary, h.host),
      timeoutMs: 60_000,
      intervalMs: 1000,
      when: repmgr,
    }),
  ]);
}

export interface DeployPlaybookOptions {
  /** Hosts to restart at the end, in order (from the settings plan). */
  restartOrder: readonly string[];
  /** Hosts left out of every stage (check mode: not provisioned yet). */
  exclude?: readonly string[];
}

export function deployPlaybook(ctx: DeployContext, options: DeployPlaybookOptions): Playbook {
  const cluster = ctx.cluster;
  const all = [...cluster.instances].sort((a, b) => a.node - b.node).map((i) => i.name);
  const primary = effectivePrimary(cluster, ctx.live);
  const upstreamOf = (h: string): string[] => {
    const up = effectiveUpstream(cluster, ctx.live, h);
    return [...new Set([primary, ...(up ? [up] : [])])].filter((x) => x !== h);
  };
  const pgRoles = [postgresRole(ctx), repmgrRole(ctx)];
  const levels = postgresLevels(cluster, ctx.live);
  const stages: Stage[] = [{ name: 'common', hosts: all, roles: [commonRole(ctx)] }];
  levels.forEach((hosts, n) => {
    const name = n === 0 ? 'primary' : n === 1 ? 'replicas' : `cascaded replicas (level ${n})`;
    stages.push({ name, hosts, roles: pgRoles, dependsOn: upstreamOf });
  });
  // Restarts before Barman and PgBouncer: their checks at the end of the run then see the restarted servers.
  if (options.restartOrder.length > 0) {
    stages.push({ name: 'restart', hosts: [...options.restartOrder], roles: [postgresRestartRole(cluster, primary)], serial: true });
  }
  const barmanHosts = all.filter((h) => cluster.instances.some((i) => i.name === h && hasRole(i, 'barman')));
  if (barmanHosts.length > 0) stages.push({ name: 'barman', hosts: barmanHosts, roles: [barmanRole(ctx)], dependsOn: [primary] });
  const pgbouncerHosts = all.filter((h) => cluster.instances.some((i) => i.name === h && hasRole(i, 'pgbouncer')));
  if (pgbouncerHosts.length > 0) stages.push({ name: 'pgbouncer', hosts: pgbouncerHosts, roles: [pgbouncerRole(ctx)], dependsOn: [primary] });
  const excluded = new Set(options.exclude ?? []);
  const kept = stages.map((st) => ({ ...st, hosts: st.hosts.filter((h) => !excluded.has(h)) })).filter((st) => st.hosts.length > 0);
  return { name: 'deploy', stages: kept };
}
