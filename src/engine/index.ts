/**
 * The agentless engine: connectors, facts, operations, runner. Roles and
 * playbooks import from here only. See README.md in this directory.
 */
export type { Connector, CommandResult, RunOptions } from './connectors/types.js';
export { UnreachableError, AccessError, CommandTimeoutError, ConnectionLostError } from './connectors/types.js';
export { SshConnector, type SshTarget, type SshOptions } from './connectors/ssh.js';
export { LocalConnector } from './connectors/local.js';
export { FakeConnector, UnexpectedCommandError } from './connectors/fake.js';
export { connectorsFromInventory } from './connectors/fromInventory.js';

export { defineFact, type FactDef, type FactNeed } from './facts/fact.js';
export { HostFacts } from './facts/hostFacts.js';

export { file, type FileOptions } from './operations/file.js';
export { directory, type DirectoryOptions } from './operations/directory.js';
export { template, renderTemplate, roleFile, type TemplateOptions } from './operations/template.js';
export { lineInFile, type LineInFileOptions } from './operations/lineInFile.js';
export { packages, type PackagesOptions } from './operations/packages.js';
export { service, type ServiceOptions } from './operations/service.js';
export { user, group, type UserOptions, type GroupOptions } from './operations/accounts.js';
export { command, waitUntil, pathExists, type CommandOptions, type WaitUntilOptions } from './operations/command.js';
export { flushHandlers } from './operations/flushHandlers.js';
export { defineOperation, type OperationBody } from './operations/define.js';
export { restart, reload, needsOf, type Operation, type OpContext, type Report, type Notify, type Status, type CommonOptions } from './operations/types.js';

export { Secrets, REDACTED } from './secrets.js';
export { quote, quoteAll } from './shell/quote.js';
export { lastLines, stderrTail } from './text/tail.js';

export { Engine, runPlaybook, type EngineOptions } from './run/engine.js';
export { defineRole, type Role, type Stage, type Playbook, type HostContext, type Task, type Tasks, type OpResult, type RunResult, type Recap } from './run/playbook.js';
export { silentReporter, formatRecap, type Reporter } from './run/reporter.js';
export { plainReporter } from './run/plainReporter.js';
export { progressReporter } from './run/listrReporter.js';
export { acquireLock, LOCK_FILE } from './run/lock.js';
export { openClusterEngine, type ClusterEngineOptions } from './run/cluster.js';
