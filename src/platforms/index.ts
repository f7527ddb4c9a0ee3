/**
 * Platforms: what makes a cluster's hosts exist (docker) or checks them (bare).
 * provisionCluster / deprovisionCluster are what `m1 provision` / `m1
 * deprovision` run (under the cluster lock); platformFor gives the bare
 * Platform for callers that manage the lock themselves.
 */
export { platformFor } from './platformFor.js';
export { provisionCluster, deprovisionCluster, type DeprovisionRequest, type DeprovisionOutcome } from './locked.js';
export type { Platform, ProvisionResult, ProvisionOptions, DeprovisionResult, DeprovisionOptions, HostReport, HostStatus } from './platform.js';
