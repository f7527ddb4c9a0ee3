/**
 * The patroni role: Patroni 3.0 (Debian) on the data nodes (reference 5.3).
 * Pure functions only: each node's patroni.yml and callback, the DCS
 * configuration and the PATCH that reaches it, reload/restart decisions, REST
 * and patronictl command builders, and the bootstrap / settings plans. See
 * README.md.
 */
export {
  PATRONI_CONF_DIR,
  PATRONI_GENERIC_SERVICE,
  PATRONI_REST_PORT,
  PATRONI_REST_USER,
  PATRONI_REWIND_USER,
  POSTGRES_SERVICE,
  patroniApiUrl,
  patroniConfigPath,
  patroniLocalApiUrl,
  patroniNamespace,
  patroniPgpassPath,
  patroniRestPort,
  patroniServiceName,
  postgresNode,
} from './settings.js';
export type { PostgresNode } from './settings.js';
export { barmanHosts, barmanSlotName, patroniMembers, patroniSlotName, pgbouncerHosts } from './members.js';
export {
  CLUSTER_WIDE_PARAMETERS,
  DCS_DEFAULT_KEYS,
  PATRONI_OWNED_PARAMETERS,
  dcsParameters,
  localParameters,
  m1DcsDefaultParameters,
  normalizeParamValue,
} from './parameters.js';
export type { ParamValue, Parameters } from './parameters.js';
export { DCS_TIMING, patroniDynamicConfig } from './dynamicConfig.js';
export type { DynamicConfigOptions } from './dynamicConfig.js';
export { patroniConfigFile, patroniLocalConfig, patroniYaml, postgresRoleHbaLines } from './localConfig.js';
export type { LocalConfigInputs, PatroniSecrets } from './localConfig.js';
export { ON_ROLE_CHANGE_PATH, defaultDatabasesFile, needsOnRoleChange, onRoleChangeScript } from './onRoleChange.js';
export type { Backend, OnRoleChangeInputs } from './onRoleChange.js';
export { patroniDirs, patroniFiles } from './files.js';
export type { DirSpec, FileSpec } from './files.js';
export { M1_OWNED_SUBTREES, applyDcsPatch, dcsConfigPatch, pgValueKey } from './dcsPatch.js';
export type { DcsPatchOptions } from './dcsPatch.js';
export {
  HOT_STANDBY_MINIMUM_PARAMETERS,
  PG_SETTINGS_CONTEXT_QUERY,
  classifyParameterChanges,
  parameterChanges,
  parsePgSettingsContext,
} from './parameterChanges.js';
export type { ChangeClassification, ParameterChange, PgContext, RestartOrder } from './parameterChanges.js';
export { allPendingRestart, isRunningReplica, parseClusterJson, parsePatronictlList, pendingRestartOrder } from './clusterStatus.js';
export type { PatroniClusterStatus, PatroniMemberStatus } from './clusterStatus.js';
export { curlCommand, curlConfigQuote, parseCurlOutput } from './curlCommand.js';
export type { CommandSpec, RestRequest, RestResponse } from './curlCommand.js';
export {
  clusterRequest,
  configGetRequest,
  configPatchRequest,
  healthRequest,
  primaryRequest,
  reloadRequest,
  replicaRequest,
  restartRequest,
  switchoverRequest,
} from './restRequests.js';
export {
  patronictlListCommand,
  patronictlRestartPendingCommand,
  patronictlShowConfigCommand,
  patronictlSwitchoverCommand,
} from './patronictl.js';
export { PatroniPlanRefused, parsePatroniFacts, patroniBootstrapPlan, patroniFactsCommand } from './bootstrapPlan.js';
export type { PatroniNodeFacts, PatroniPlanOptions, PatroniStage, PatroniStep } from './bootstrapPlan.js';
export { dcsSync, pendingRestartStages, settingsSteps } from './settingsPlan.js';
export type { DcsSync, SettingsStep } from './settingsPlan.js';
export { rewindGrantStatements, rewindGrantsPresentQuery } from './rewindUser.js';
export { PATRONI_PACKAGES, PATRONI_REST_SECRET, patroniRole, patroniSecrets, patroniSettingsRole } from './role.js';
export { PATRONI_BASE_CONF, patroniOwnsPostgres } from './ownership.js';
export { parseRestGet, poll, restCall, restGetCommand, restOkCommand } from './restOps.js';
export type { PollOptions, RestCallOptions } from './restOps.js';
export { patroniClusterPackages, patroniPackagesRole } from './packages.js';
