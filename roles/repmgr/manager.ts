/**
 * repmgr as the cluster's failover manager: Postgres on the data nodes and
 * the witness, cloned and registered by repmgr, repmgrd on each; deploy
 * converges them in topology order and restarts for settings with repmgrd
 * paused; switchover is `repmgr standby switchover --siblings-follow`.
 */
import type { FailoverManager } from '../failoverManager.js';
import { command, waitUntil, type Operation } from '../../src/engine/index.js';
import { runsPostgres, type Cluster } from '../../src/inventory/cluster.js';
import { effectivePrimary } from '../../src/inventory/liveTopology.js';
import { asPostgres } from '../../src/products/postgres/run.js';
import { POSTGRES_SERVICE } from '../../src/products/postgres/layout.js';
import { localPausedCommand, nodeActiveCommand, servicePauseCommand } from '../../src/products/repmgr/commands.js';
import { repmgrEnabled } from '../../src/products/repmgr/enabled.js';
import { REPMGR_SERVICE, repmgrPackages } from '../../src/products/repmgr/layout.js';
import { levelStages } from '../postgres/levels.js';
import { restartStages, type RestartWrap } from '../postgres/restart.js';
import { postgresRole } from '../postgres/role.js';
import { repmgrPause } from './pause.js';
import { repmgrPostgres } from './postgres.js';
import { repmgrRemoval } from './removal.js';
import { repmgrMinorUpgrade } from './upgrade.js';
import { repmgrRole } from './role.js';
import { repmgrProblem, repmgrView, repmgrWarnings } from './status.js';
import { repmgrSteps, witnessChecks } from './switchover.js';

/** Left on a host while deploy holds repmgrd paused around its restart (root only). */
export const RESTART_PAUSE_MARKER = '/var/lib/m1/repmgr/paused-by-deploy';

/**
 * repmgrd around a host's restart. Paused cluster-wide: a restart that
 * outlasts repmgrd's reconnect window (a slow checkpoint, a loaded host) must
 * not be taken for a dead primary and trigger a failover. The node's own
 * repmgrd is stopped around it: left running, it marks its node inactive in
 * repmgr.nodes when the local server is gone at its next look, and active
 * again only when it reconnects, seconds later (a deploy right after would
 * re-register the node); started again, it sets the record active at once.
 * A cluster already paused (m1 pause) is left paused: deploy pauses only when
 * the node is not, leaves a marker on the host saying it did, and unpauses
 * only where it finds its marker.
 */
export function repmgrRestartWrap(cluster: Cluster, primary: string): RestartWrap {
  const v = cluster.postgresVersion;
  const when = repmgrEnabled(cluster);
  return {
    before: (host): Operation[] => [
      command({
        name: 'pause repmgrd on every node (no failover during the restart)',
        cmd: `${asPostgres(servicePauseCommand(v, true))} && install -d -m 0700 /var/lib/m1 /var/lib/m1/repmgr && touch ${RESTART_PAUSE_MARKER}`,
        display: asPostgres(servicePauseCommand(v, true)),
        unless: localPausedCommand(v),
        when,
      }),
      command({ name: `stop ${REPMGR_SERVICE} on ${host} while its server restarts`, cmd: `systemctl stop ${REPMGR_SERVICE}`, when }),
    ],
    after: (host): Operation[] => [
      command({ name: `start ${REPMGR_SERVICE} on ${host}`, cmd: `systemctl start ${REPMGR_SERVICE}`, when }),
      command({
        name: 'unpause repmgrd on every node (deploy paused it)',
        cmd: `${asPostgres(servicePauseCommand(v, false))} && rm -f -- ${RESTART_PAUSE_MARKER}`,
        display: asPostgres(servicePauseCommand(v, false)),
        removes: RESTART_PAUSE_MARKER,
        when,
      }),
      waitUntil({ name: `repmgrd marks ${host} active again (repmgr.nodes on ${primary})`, cmd: nodeActiveCommand(v, primary, host), timeoutMs: 60_000, intervalMs: 1000, when }),
    ],
  };
}

export const repmgrManager: FailoverManager = {
  name: 'repmgr',
  title: 'repmgr',

  passwordUsers: [],
  gate: () => ({ report: [] }),
  packages(cluster, instance): Record<string, readonly string[]> {
    if (!runsPostgres(instance, 'repmgr') || !repmgrEnabled(cluster)) return {};
    return { repmgr: repmgrPackages(cluster.postgresVersion) };
  },
  postgres: repmgrPostgres,
  settingsByDeploy: true,
  commonRoles: () => [],
  /** The primary, its replicas and the witness, cascaded replicas level by level; then the restarts the settings need. */
  dataStages(ctx, options) {
    const primary = effectivePrimary(ctx.cluster, ctx.live);
    return [
      ...levelStages(ctx, [postgresRole(ctx, repmgrPostgres(ctx.cluster)), repmgrRole(ctx)]),
      ...restartStages(ctx.cluster, options.restartOrder, repmgrRestartWrap(ctx.cluster, primary)),
    ];
  },
  finalStages: () => [],

  // Without a replica repmgr does not run (repmgrEnabled): nobody is a member, no repmgrd or view is read.
  members: (cluster) => (repmgrEnabled(cluster) ? cluster.instances.filter((i) => runsPostgres(i, 'repmgr')) : []),
  reading: (cluster, instance) =>
    !runsPostgres(instance, 'repmgr') ? { units: [] } : repmgrEnabled(cluster) ? { units: [POSTGRES_SERVICE, REPMGR_SERVICE], repmgr: true } : { units: [POSTGRES_SERVICE] },
  view: repmgrView,
  problem: repmgrProblem,
  works: (n) => n.state === 'running',
  warnings: repmgrWarnings,
  daemonColumn: 'repmgrd',
  pause: repmgrPause,

  switchoverSteps: (cluster, plan) =>
    repmgrSteps(
      cluster,
      plan.target,
      plan.failoverPaused === true,
      (plan.cascaded ?? []).filter((c) => c.upstream === plan.target).map((c) => c.host),
      plan.primary,
    ),
  switchoverChecks: witnessChecks,

  voters: 'witness',
  rejoin: 'deploy',
  removal: repmgrRemoval,
  minorUpgrade: repmgrMinorUpgrade,
};
