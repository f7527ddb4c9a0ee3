/**
 * Runs commands in a long-lived local `sh` with the same framing as over SSH:
 * for unit tests of the session protocol and of file operations in a
 * temporary directory, and for operating on the machine m1 runs on.
 */
import { spawn } from 'node:child_process';
import { ShellClosedError, ShellSession } from './shellSession.js';
import type { CommandResult, Connector, RunOptions } from './types.js';

export class LocalConnector implements Connector {
  readonly host: string;
  private session: ShellSession | undefined;

  constructor(host = 'localhost') {
    this.host = host;
  }

  async connect(): Promise<void> {
    this.ensure();
  }

  async run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    try {
      return await this.ensure().run(command, options);
    } catch (e) {
      // A dead local shell is replaced once for reads; writes report the loss.
      if (e instanceof ShellClosedError && options.idempotent) return this.ensure().run(command, options);
      throw e;
    }
  }

  async close(): Promise<void> {
    this.session?.close();
    this.session = undefined;
  }

  private ensure(): ShellSession {
    if (this.session && !this.session.closed) return this.session;
    // Its own process group, so a kill takes the running command down with the shell.
    const child = spawn('sh', [], { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.session = new ShellSession(this.host, {
      stdin: child.stdin,
      stdout: child.stdout,
      stderr: child.stderr,
      destroy: () => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      },
      onClose: (cb) => {
        child.on('error', (e) => cb(`local shell failed: ${e.message}`));
        child.on('exit', (code, signal) => cb(signal ? `shell killed by ${signal}` : `shell exited ${code}`));
      },
    });
    return this.session;
  }
}
