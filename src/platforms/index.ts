/**
 * Platforms: what makes a cluster's hosts exist (docker) or checks them (bare).
 * provisionClusterDir / deprovisionClusterDir are `m1 provision` / `m1
 * deprovision` (config.yml read, then the cluster lock; provisionCluster /
 * deprovisionCluster take a loaded Cluster); platformFor gives the bare
 * Platform for callers that manage the lock themselves.
 */
export { platformFor } from './platformFor.js';
export {
  provisionCluster,
  deprovisionCluster,
  provisionClusterDir,
  deprovisionClusterDir,
  type ConfigWarnings,
  type DeprovisionRequest,
  type DeprovisionOutcome,
} from './locked.js';
export type { Platform, ProvisionResult, ProvisionOptions, DeprovisionResult, DeprovisionOptions, HostReport, HostStatus } from './platform.js';
