/**
 * A command to run on a host, as data. The engine runs it; building it is
 * pure. Secrets travel on stdin, never in argv (argv is visible to every
 * user of the host through ps and /proc).
 */
import { quoteAll } from '../../../engine/shell/quote.js';

export interface HostCommand {
  /** Program and arguments, passed as they are (no shell expansion on our side). */
  argv: readonly string[];
  /** Run as this user (through sudo); undefined: the login user. */
  user?: string;
  /** Written to the command's stdin. */
  stdin?: string;
  /** stdin or stdout carries a secret: never log, print or diff them. */
  secret: boolean;
  /** Says what the command does, for progress lines and errors; holds no secret. */
  describe: string;
}

/** argv as one POSIX shell line (what an SSH exec channel takes). */
export function shellLine(cmd: HostCommand): string {
  return quoteAll(cmd.argv);
}

/** EFM addresses are IPs or hostnames; anything else is refused before it reaches a shell. */
export function assertAddress(address: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._:-]*$/.test(address)) throw new Error(`not a host address: ${JSON.stringify(address)}`);
  return address;
}

export function assertClusterName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new Error(`not an EFM cluster name: ${JSON.stringify(name)}`);
  return name;
}
