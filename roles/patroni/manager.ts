/**
 * Patroni (with etcd as its DCS) as the cluster's failover manager. Deploy
 * forms etcd before any Patroni starts, then the leader (which adopts the
 * running Postgres on a first deploy), its replicas (Patroni clones them),
 * and the DCS settings; once Patroni runs on a node it owns that server's
 * configuration and process, so deploy plans no restart of its own.
 * Switchover is one `patronictl switchover`.
 */
import type { FailoverManager, PostgresManagement } from '../failoverManager.js';
import type { Stage } from '../../src/engine/index.js';
import { isDataNode, type Cluster } from '../../src/inventory/cluster.js';
import { effectivePrimary } from '../../src/inventory/liveTopology.js';
import { etcdMembers } from '../../src/products/etcd/members.js';
import { patroniMembers } from '../../src/products/patroni/members.js';
import { patroniOwnsPostgres } from '../../src/products/patroni/ownership.js';
import { replicateFrom } from '../../src/products/patroni/localConfig.js';
import { patroniRestPort, patroniServiceName } from '../../src/products/patroni/settings.js';
import { etcdAuthRole, etcdHealthRole, etcdPasswordsRole, etcdPeerTlsRole, etcdRole, etcdSettingsRole } from '../etcd/role.js';
import { ETCD_PATRONI_SECRET, ETCD_ROOT_SECRET } from '../../src/products/etcd/auth.js';
import { patroniPause } from './failoverPause.js';
import { patroniPausedRole, patroniPauseRole } from './pause.js';
import { postgresRole } from '../postgres/role.js';
import { patroniPackagesRole } from './packages.js';
import { PATRONI_REST_SECRET, patroniRole, patroniSettingsRole } from './role.js';
import { patroniProblem, patroniView } from './status.js';
import { patroniSteps } from './switchover.js';
import { patroniRemoval } from './removal.js';
import { patroniMinorUpgrade } from './upgrade.js';

/**
 * Patroni clones its replicas itself (create_replica_methods: basebackup)
 * and starts them; it owns a node's conf files, pg_hba.conf and server once
 * it runs there (settings go through its DCS).
 */
export function patroniPostgres(cluster: Cluster): PostgresManagement {
  return {
    preloadLibraries: [],
    runsServer: async (h, role) => role === 'replica' || (await patroniOwnsPostgres(cluster, h)),
  };
}

export const patroniManager: FailoverManager = {
  name: 'patroni',
  title: 'Patroni',

  passwordUsers: [PATRONI_REST_SECRET, ETCD_ROOT_SECRET, ETCD_PATRONI_SECRET],
  gate: () => ({ report: [] }),
  packages: () => ({}),
  postgres: patroniPostgres,
  settingsByDeploy: false,
  // The etcd, Patroni and HAProxy packages in the first stage: every host's apt runs at once, not stage after stage.
  commonRoles: (ctx) => [patroniPackagesRole(ctx)],
  /**
   * A running cluster whose Patroni must restart for new etcd settings is
   * paused first (each member reports it). etcd: members prepared and started
   * together, healthy with exactly config.yml's membership; a cluster still on
   * plain HTTP gets every member's certificate before any member moves to
   * TLS; members whose settings changed restarted one at a time; users, role
   * and authentication. Then the live leader, its replicas together, a
   * changed etcd password, and the DCS settings on the leader (pending
   * restarts through the REST API; deploy's own pause ends there).
   */
  dataStages(ctx) {
    const cluster = ctx.cluster;
    const etcd = etcdMembers(cluster).map((m) => m.name);
    const data = patroniMembers(cluster).map((m) => m.name);
    const primary = effectivePrimary(cluster, ctx.live);
    const replicas = data.filter((h) => h !== primary);
    const roles = [postgresRole(ctx, patroniPostgres(cluster)), patroniRole(ctx)];
    const stages: Stage[] = [
      { name: 'patroni pause', hosts: [primary], roles: [patroniPauseRole(ctx)] },
      { name: 'patroni paused', hosts: data, roles: [patroniPausedRole(ctx)], dependsOn: [primary] },
      { name: 'etcd', hosts: etcd, roles: [etcdRole(ctx)], dependsOn: [primary] },
      { name: 'etcd health', hosts: [etcd[0]!], roles: [etcdHealthRole(ctx)], dependsOn: etcd },
      { name: 'etcd peer tls', hosts: etcd, roles: [etcdPeerTlsRole(ctx)], serial: true, dependsOn: etcd },
      { name: 'etcd settings', hosts: etcd, roles: [etcdSettingsRole(ctx)], serial: true, dependsOn: etcd },
      { name: 'etcd auth', hosts: [etcd[0]!], roles: [etcdAuthRole(ctx)], dependsOn: etcd },
      { name: 'primary', hosts: [primary], roles, dependsOn: etcd },
    ];
    if (replicas.length > 0) stages.push({ name: 'replicas', hosts: replicas, roles, dependsOn: [primary] });
    stages.push({ name: 'etcd passwords', hosts: [etcd[0]!], roles: [etcdPasswordsRole(ctx)], dependsOn: data });
    stages.push({ name: 'patroni settings', hosts: [primary], roles: [patroniSettingsRole(ctx)], dependsOn: data });
    return stages;
  },
  finalStages: () => [],

  members: (cluster) => cluster.instances.filter(isDataNode),
  reading: (cluster, instance) => (isDataNode(instance) ? { units: [patroniServiceName(cluster)], patroniApi: { name: instance.name, port: patroniRestPort(cluster, instance) } } : { units: [] }),
  view: patroniView,
  problem: patroniProblem,
  works: (n) => n.state === 'running' || n.state === 'streaming',
  warnings: () => [],
  pause: patroniPause,

  switchoverSteps: (cluster, plan) => patroniSteps(cluster, plan.primary, plan.target),
  // Patroni's replicatefrom holds a replica under its member, leader or not (ha.py _get_node_to_follow).
  pinnedUpstream: replicateFrom,
  switchoverChecks: () => [],
  voters: 'etcd',
  rejoin: {
    unsupported: (cluster) =>
      'Patroni rejoins a former leader by itself: when its Patroni starts it rewinds the data directory (use_pg_rewind) and follows the leader. ' +
      `If it stays down, start Patroni there (m1 deploy ${cluster.dir} starts a stopped service) and watch m1 status; patronictl reinit rebuilds a member that cannot rewind (its data is discarded)`,
  },
  removal: patroniRemoval,
  minorUpgrade: patroniMinorUpgrade,
};
