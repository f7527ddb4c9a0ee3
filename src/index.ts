/**
 * The m1 library: every command as a typed function taking the cluster
 * directory. Each returns data and prints nothing unless given a `write` or
 * `progress` callback; a failure is an M1Error whose exitCode is the CLI's.
 * The CLI calls these same functions but imports each command's module only
 * when that command runs; importing this barrel loads them all.
 */

// configure, validate: config.yml written and read (no host touched)
export { configureClusterDir as configure, type ConfigureResult } from './architectures/configure.js';
export type { RawConfigureOptions as ConfigureOptions } from './architectures/options.js';
export { loadCluster as validate, type LoadResult as ValidateResult } from './config/load.js';

// provision, deprovision: the hosts (docker containers; bare: reachability)
export {
  provisionClusterDir as provision,
  deprovisionClusterDir as deprovision,
  type ConfigWarnings,
  type DeprovisionRequest,
  type DeprovisionOutcome,
  type ProvisionOptions,
  type ProvisionResult,
  type DeprovisionResult,
  type HostReport,
  type HostStatus as ProvisionedHostStatus,
} from './platforms/index.js';

// deploy: converge every host
export { deployCluster as deploy, type DeployOptions, type DeployOutcome, type StageTiming } from '../playbooks/deploy/deploy.js';
export { DEPLOY_PACKAGE_GROUPS } from '../playbooks/deploy/packageGroups.js';
export type { RunResult, OpResult, Recap } from './engine/index.js';

// status, switchover, test: the live cluster
export { clusterStatus as status, type GatherOptions as StatusOptions, type StatusResult, type Snapshot } from '../playbooks/operate/status.js';
export type { ClusterStatus, HostStatus, LiveRole, FmView, FmNode, RouteStatus, BarmanStatus } from '../playbooks/operate/health.js';
export {
  switchoverCluster as switchover,
  type SwitchoverOptions,
  type SwitchoverOutcome,
  type SwitchoverTimings,
  type StepOutcome,
} from '../playbooks/operate/switchover/run.js';
export type { SwitchoverPlan } from '../playbooks/operate/switchover/preconditions.js';
export { DEFAULT_MAX_LAG } from '../playbooks/operate/switchover/maxLag.js';
export { testCluster as test, type TestOptions, type TestOutcome } from '../playbooks/operate/check/run.js';

// pause, resume: automatic failover held off for maintenance (and around planned restarts)
export { pauseFailover as pause, resumeFailover as resume, type PauseOptions, type PauseOutcome } from '../playbooks/operate/pause.js';
export type { PauseState } from '../roles/failoverManager.js';
export type { CheckRow } from '../playbooks/operate/table.js';

// backup, backups: a base backup now through Barman; the backups and the recovery window
export { takeBackup as backup, listBackups as backups, type BackupOptions, type BackupOutcome, type ServerBackups, type TakenBackup } from '../playbooks/operate/backup/run.js';
export { formatBackups, formatTaken } from '../playbooks/operate/backup/format.js';
export type { BackupCatalog, CatalogBackup, RecoveryWindow } from './products/barman/backupCatalog.js';

// restore: point-in-time recovery from the cluster's Barman into a new cluster
export { restore, type RestoreOptions, type RestoreOutcome, type RestoreTimings } from '../playbooks/operate/restore/run.js';
export { parseRestoreTarget, type RestoreTarget, type TargetFlags } from '../playbooks/operate/restore/target.js';
export { formatRestore } from '../playbooks/operate/restore/format.js';

// drill: a failure rehearsed and measured
export { drillCluster as drill, DEFAULT_DURATION_S, MIN_DURATION_S, type DrillOptions, type DrillOutcome } from '../playbooks/drill/run.js';
export { renderDrill, type DrillReport } from '../playbooks/drill/report.js';
export { SCENARIOS, type Scenario } from '../playbooks/drill/scenarios.js';
export type { EntryPointFollow } from '../playbooks/drill/timeline.js';

// show-password, rotate-password
export { showPassword } from './secrets/showPassword.js';
export { rotatePassword } from '../playbooks/operate/rotatePassword.js';

// what the CLI prints, for callers that want the same text
export { renderTopologyTree } from './inventory/topology.js';
export { formatStatus } from '../playbooks/operate/formatStatus.js';
export { renderChecks } from '../playbooks/operate/table.js';

// errors and exit statuses
export { M1Error, UsageError, ConfigError, RefusedError, HostError, formatProblem, type ConfigProblem } from './errors.js';
export { ExitCode } from './exitCodes.js';

// the cluster model the results speak of
export type { Cluster, Instance, Location, Role, FailoverManagerName, Platform, PostgresVersion } from './inventory/cluster.js';
export type { Inventory, InventoryHost } from './inventory/inventory.js';
