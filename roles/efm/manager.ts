/**
 * EDB Failover Manager as the cluster's failover manager: its packages come
 * from EDB's repositories (a subscription token, checked before any host is
 * touched); deploy converges the data nodes in topology order (replicas
 * cloned with pg_basebackup through their slots), restarts for settings,
 * and starts the agents (the witness's too, which runs no Postgres) last,
 * once every server runs. Switchover is `efm promote -switchover`.
 */
import type { DeployContext } from '../context.js';
import type { FailoverManager } from '../failoverManager.js';
import { isDataNode, runsPostgres } from '../../src/inventory/cluster.js';
import { effectivePrimary } from '../../src/inventory/liveTopology.js';
import { efmDeployGate } from '../../src/products/efm/deployGate.js';
import { efmNodeInstances, isEfmWitness } from '../../src/products/efm/nodes.js';
import { efmPaths, efmVersion } from '../../src/products/efm/version.js';
import { POSTGRES_SERVICE } from '../../src/products/postgres/layout.js';
import { levelStages } from '../postgres/levels.js';
import { restartStages } from '../postgres/restart.js';
import { postgresRole } from '../postgres/role.js';
import { efmPostgres } from './postgres.js';
import { EFM_DB_USER, efmAgentRole, efmPostgresRole, efmRepositoryRole, withEfmHba } from './role.js';
import { efmProblem, efmView, efmWorks } from './status.js';
import { efmSteps, efmTargetAddress } from './switchover.js';
import { efmRemoval } from './removal.js';

export const efmManager: FailoverManager = {
  name: 'efm',
  title: 'EFM',

  passwordUsers: [EFM_DB_USER],
  gate: (cluster, env, skip) => efmDeployGate(cluster, env, skip),
  packages: () => ({}),
  postgres: efmPostgres,
  settingsByDeploy: true,
  // EDB's repository and the EFM packages (not with --skip-packages efm).
  commonRoles: (ctx, options) => [efmRepositoryRole(ctx, options.gate.token)],
  /**
   * The primary, its replicas, cascaded replicas level by level: postgres
   * (whose pg_hba.conf has the efm lines), then the efm user and the slots of
   * the host's own downstreams; then the restarts the settings need.
   */
  dataStages(ctx, options) {
    const pgCtx: DeployContext = { ...ctx, cluster: withEfmHba(ctx.cluster) };
    return [...levelStages(ctx, [postgresRole(pgCtx, efmPostgres()), efmPostgresRole(ctx)]), ...restartStages(ctx.cluster, options.restartOrder)];
  },
  /** EFM on every agent, after Barman and PgBouncer: account, encrypted password, files, then started. */
  finalStages(ctx) {
    const agents = efmNodeInstances(ctx.cluster).map((i) => i.name);
    if (agents.length === 0) return [];
    return [{ name: 'efm', hosts: agents, roles: [efmAgentRole(ctx)], dependsOn: [effectivePrimary(ctx.cluster, ctx.live)] }];
  },

  members: (cluster) => cluster.instances.filter((i) => isDataNode(i) || isEfmWitness(cluster, i)),
  reading(cluster, instance) {
    const units = runsPostgres(instance, 'efm') ? [POSTGRES_SERVICE] : [];
    if (!isDataNode(instance) && !isEfmWitness(cluster, instance)) return { units };
    const paths = efmPaths(efmVersion(cluster));
    return { units: [...units, paths.serviceName], efm: { bin: paths.efm, cluster: cluster.name } };
  },
  view: efmView,
  problem: efmProblem,
  works: efmWorks,
  warnings: () => [],
  /**
   * EFM has no cluster-wide pause to switch at run time: its agents read
   * auto.failover when they start. TPA's rolling upgrade stops the agent of
   * the node it restarts instead.
   */
  pause: {
    unsupported: (cluster) =>
      'EFM has no pause of automatic failover that takes effect at once: its agents read auto.failover only when they start. ' +
      `For maintenance on one node, stop its agent (systemctl stop ${efmPaths(efmVersion(cluster)).serviceName}) and start it again after, as TPA's upgrade does; ` +
      'to turn automatic failover off for the whole cluster, set efm_conf_settings: {auto.failover: false} in cluster_vars and deploy (every agent restarts)',
  },

  switchoverSteps: (cluster, plan, addresses) => efmSteps(cluster, plan.target, efmTargetAddress(cluster, plan.target, addresses)),
  switchoverChecks: () => [],
  voters: 'witness',
  rejoin: {
    unsupported: () =>
      'm1 does not rejoin a former EFM primary: EFM leaves it stopped (stop.failed.primary / stop.isolated.primary). ' +
      'Rebuild it as a standby by hand (pg_rewind, or a fresh clone from the primary), start it and its EFM agent, then check m1 status',
  },
  removal: efmRemoval,
  minorUpgrade: {
    unsupported: (cluster) =>
      `m1 upgrade drives repmgr and Patroni clusters; ${cluster.name} runs EFM: m1 upgrade does not drive EFM clusters yet; upgrade host by host by hand (replicas first: apt-get install --only-upgrade, restart, then a switchover)`,
  },
};
