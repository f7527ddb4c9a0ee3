/**
 * The efm role: EDB Failover Manager as M1's failover manager (reference
 * 5.2). Pure functions only: what each EFM node's files are, which commands
 * to run and whether deploy may go on. See README.md.
 */
export { efmAccounts, efmHostFiles, renderNodes, renderProperties, renderUnit, SUDOERS_FILE } from './files.js';
export type { EfmAccounts, EfmDirectory, EfmFile, EfmHostFiles, EfmHostFilesOptions } from './files.js';
export { efmConfSettings } from './confSettings.js';
export type { EfmConfSettings } from './confSettings.js';
export { efmHbaLine, efmHbaLines, efmUserPasswordEncryption } from './hba.js';
export { KNOWN_PROPERTIES, closestProperty, isPropertyOf, knownProperty } from './knownProperties.js';
export {
  efmAddress,
  efmBindByHostname,
  efmBindPort,
  efmNodeInstances,
  efmNodes,
  isEfmWitness,
} from './nodes.js';
export {
  PGBOUNCER_DATABASES_FILE,
  PGBOUNCER_REDIRECT_SCRIPT,
  clusterHasPgbouncer,
  pgbouncerDatabasesLine,
  pgbouncerRedirectSettings,
  redirectScript,
} from './pgbouncerRedirect.js';
export type { DatabasesLine } from './pgbouncerRedirect.js';
export {
  EFM_SENSITIVE_PROPERTIES,
  efmNotificationScriptPath,
  efmProperties,
  isCascadedStandby,
  redactedProperties,
} from './properties.js';
export type { EfmLive, EfmPropertiesResult, LeftOutProperty } from './properties.js';
export { EFM_STEPS, efmPackages, efmSkipPlan } from './skipPackages.js';
export type { EfmSkipPlan, EfmStep } from './skipPackages.js';
export { SubscriptionToken, TOKEN_VARIABLE, efmTokenGate } from './tokenGate.js';
export type { TokenDecision } from './tokenGate.js';
export { DEFAULT_EFM_VERSION, EFM_DEBIAN_DEPENDENCIES, efmPaths, efmVersion } from './version.js';
export type { EfmPaths, EfmVersion } from './version.js';
export { efmEncryptCommand, parseEncryptOutput } from './commands/encrypt.js';
export {
  efmClusterStatusCommand,
  efmClusterStatusJsonCommand,
  efmPrimaries,
  parseClusterStatusJson,
} from './commands/clusterStatus.js';
export type { EfmClusterStatus, EfmNodeStatus } from './commands/clusterStatus.js';
export {
  efmPromoteSwitchoverCommand,
  efmSetPriorityCommand,
  refuseEfmSwitchoverTarget,
  switchoverDone,
} from './commands/switchover.js';
export { shellLine } from './commands/hostCommand.js';
export type { HostCommand } from './commands/hostCommand.js';
