/**
 * The etcd role: the DCS Patroni uses (reference 5.4). Pure functions only:
 * each member's /etc/default/etcd, the etcdctl commands and parsers, and the
 * formation / rolling-restart plan. See README.md.
 */
export { ETCD_CLIENT_PORT, ETCD_PEER_PORT, etcdClientPort, etcdEndpoints, etcdInitialCluster, etcdMembers, etcdPeerPort, instanceAddress } from './members.js';
export type { EtcdMember } from './members.js';
export {
  DEFAULT_ETCD_TIMING,
  ETCD_ENV_FILE,
  ETCD_PACKAGE_DATA_DIR,
  ETCD_SERVICE,
  etcdClusterToken,
  etcdDataDir,
  etcdEnvFile,
  etcdEnvironment,
  etcdMemberOf,
  etcdTiming,
} from './environment.js';
export type { EtcdTiming } from './environment.js';
export { describeHealth, etcdctlArgs, etcdEndpointHealthCommand, parseEndpointHealth } from './endpointHealthCommand.js';
export type { EndpointHealth, EtcdctlTimeouts } from './endpointHealthCommand.js';
export { compareMembership, etcdMemberListCommand, membershipMatches, parseMemberList } from './memberListCommand.js';
export type { LiveEtcdMember, MembershipDiff } from './memberListCommand.js';
export { etcdDeployPlan, etcdFactsCommand, etcdRollingRestartPlan, parseEtcdFacts } from './plan.js';
export type { EtcdHostFacts, EtcdPlanOptions, EtcdStage, EtcdStep } from './plan.js';
export { ETCD_FORM_TIMEOUT_MS, ETCD_PACKAGES, ETCD_REJOIN_TIMEOUT_MS, etcdHealthRole, etcdRole, etcdSettingsRole } from './role.js';
