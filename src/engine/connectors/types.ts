/**
 * What the engine needs from a host: run one shell command at a time, as root,
 * and get back its exit status, stdout and stderr. SSH, local and fake
 * connectors all implement this.
 */
import { HostError } from '../../errors.js';

export interface RunOptions {
  /** Data for the command's stdin (secrets travel here, never in arguments). */
  stdin?: string | Buffer;
  /** Kill the command (and its shell) after this long. */
  timeoutMs?: number;
  /** A read with no side effect: safe to run again after a reconnect. */
  idempotent?: boolean;
}

export interface CommandResult {
  /** Exit status; 128+N when killed by signal N. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface Connector {
  /** Inventory name of the host, used in every message. */
  readonly host: string;
  /** Opens the connection now (otherwise the first command does). */
  connect(): Promise<void>;
  run(command: string, options?: RunOptions): Promise<CommandResult>;
  close(): Promise<void>;
}

/** The host cannot be reached (connect failed, or the connection died and reconnecting failed). */
export class UnreachableError extends HostError {
  readonly host: string;
  readonly cause_: string;
  constructor(host: string, cause: string) {
    super(`${host}: unreachable (${cause})`);
    this.host = host;
    this.cause_ = cause;
  }
}

/** The host answered but refused us: unknown or changed host key, key not accepted, sudo needs a password. */
export class AccessError extends HostError {
  readonly host: string;
  constructor(host: string, message: string) {
    super(`${host}: ${message}`);
    this.host = host;
  }
}

/** A command outlived its timeout; the shell running it was killed. */
export class CommandTimeoutError extends HostError {
  constructor(host: string, timeoutMs: number) {
    super(`${host}: command timed out after ${(timeoutMs / 1000).toFixed(timeoutMs % 1000 ? 1 : 0)} s`);
  }
}

/** The shell died while a command ran and the command may or may not have taken effect. */
export class ConnectionLostError extends HostError {
  constructor(host: string, cause: string) {
    super(`${host}: connection lost while a command ran (${cause}); rerun to converge`);
  }
}
