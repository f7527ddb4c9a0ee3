import { ExitCode } from './exitCodes.js';

/**
 * Base of every error m1 reports to a user. The message is the whole story
 * (what, where, the fix), printed as is without a stack trace.
 */
export class M1Error extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad flags or options: exit 2, nothing touched. */
export class UsageError extends M1Error {
  constructor(message: string) {
    super(message, ExitCode.BadInput);
  }
}

/** One problem found in a config file, located by file, line and YAML path. */
export interface ConfigProblem {
  file: string;
  line?: number;
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  return p.path ? `${where} ${p.path}: ${p.message}` : `${where}: ${p.message}`;
}

/** A config that cannot be used: exit 2, nothing touched. */
export class ConfigError extends M1Error {
  readonly problems: ConfigProblem[];
  constructor(problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'), ExitCode.BadInput);
    this.problems = problems;
  }
}

/** Refused by a safety check: exit 3, nothing changed. */
export class RefusedError extends M1Error {
  constructor(message: string) {
    super(message, ExitCode.Refused);
  }
}

/** A step failed on a host (or the cluster is degraded): exit 1. */
export class HostError extends M1Error {
  constructor(message: string) {
    super(message, ExitCode.Failed);
  }
}
