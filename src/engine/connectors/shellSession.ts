/**
 * One long-lived `sh` on one channel (SSH exec channel or local child
 * process), running commands one at a time through the framing in frame.ts.
 * A command costs one write and one read: no channel or process setup.
 */
import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { HostError } from '../../errors.js';
import { Capture } from './capture.js';
import { frameCommand, stderrMarker, stdoutMarker } from './frame.js';
import { CommandTimeoutError, type CommandResult, type RunOptions } from './types.js';
import { lastLines } from '../text/tail.js';

/** The three streams of a running `sh`, and how to kill it. */
export interface ShellChannel {
  stdin: Writable;
  stdout: Readable;
  stderr: Readable;
  /** Ends the shell at once (used on timeout); 'close' must follow. */
  destroy(): void;
  /** Registers the one callback called when the shell is gone. */
  onClose(callback: (reason: string) => void): void;
}

/** Sets the environment every command sees: C locale, no prompts from apt or dpkg. */
const PRELUDE = 'export LC_ALL=C LANG=C DEBIAN_FRONTEND=noninteractive; umask 022\n';

interface Pending {
  token: string;
  out: Capture;
  err: Capture;
  code?: number;
  stdoutEnd?: number;
  stderrEnd?: number;
  resolve(result: CommandResult): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

/** Thrown by `run` when the shell is gone; the connector decides whether to reconnect. */
export class ShellClosedError extends HostError {}

export class ShellSession {
  private readonly channel: ShellChannel;
  private readonly host: string;
  private readonly secret = randomBytes(12).toString('hex');
  private counter = 0;
  private pending: Pending | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Stderr seen outside any command (e.g. sudo refusing), kept for the close reason. */
  private strayErr = '';
  private closedReason: string | undefined;

  constructor(host: string, channel: ShellChannel) {
    this.host = host;
    this.channel = channel;
    channel.stdout.on('data', (chunk: Buffer) => this.onStdout(chunk));
    channel.stderr.on('data', (chunk: Buffer) => this.onStderr(chunk));
    channel.stdin.on('error', () => undefined); // a write after close surfaces as the close reason instead
    channel.onClose((reason) => this.onClose(reason));
    channel.stdin.write(PRELUDE);
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Why the shell ended, with whatever it printed on stderr outside a command. */
  get closeReason(): string | undefined {
    return this.closedReason;
  }

  run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    const next = this.queue.then(() => this.exec(command, options));
    this.queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    if (this.closed) return;
    this.channel.stdin.end('exit 0\n');
  }

  /** Kills the shell now. */
  destroy(): void {
    this.channel.destroy();
  }

  private exec(command: string, options: RunOptions): Promise<CommandResult> {
    if (this.closedReason !== undefined) return Promise.reject(new ShellClosedError(this.closedReason));
    const token = `M1_${this.secret}_${++this.counter}`;
    const stdin = options.stdin === undefined ? undefined : Buffer.isBuffer(options.stdin) ? options.stdin : Buffer.from(options.stdin, 'utf8');
    return new Promise<CommandResult>((resolve, reject) => {
      const p: Pending = { token, out: new Capture(stdoutMarker(token)), err: new Capture(stderrMarker(token)), resolve, reject };
      this.pending = p;
      if (options.timeoutMs !== undefined && options.timeoutMs > 0) {
        const ms = options.timeoutMs;
        p.timer = setTimeout(() => {
          if (this.pending !== p) return;
          this.pending = undefined;
          reject(new CommandTimeoutError(this.host, ms));
          // The command still runs in this shell; the only safe way on is a fresh one.
          this.onClose(`command timed out after ${ms} ms`);
          this.channel.destroy();
        }, ms);
      }
      this.channel.stdin.write(frameCommand(command, token, stdin));
    });
  }

  private onStdout(chunk: Buffer): void {
    const p = this.pending;
    if (!p || p.stdoutEnd !== undefined) return; // stray output of a background process: dropped
    if (!p.out.push(chunk)) return;
    // The marker is followed by the exit status and a newline, which may come in a later chunk.
    const all = p.out.all();
    const statusStart = p.out.markerOffset + p.token.length + 2;
    const eol = all.indexOf(10, statusStart);
    if (eol < 0) return;
    p.code = Number(all.subarray(statusStart, eol).toString('latin1'));
    p.stdoutEnd = p.out.markerOffset;
    this.settle(p);
  }

  private onStderr(chunk: Buffer): void {
    const p = this.pending;
    if (!p || p.stderrEnd !== undefined) {
      this.strayErr = (this.strayErr + chunk.toString('utf8')).slice(-2000);
      return;
    }
    if (!p.err.push(chunk)) return;
    p.stderrEnd = p.err.markerOffset;
    this.settle(p);
  }

  private settle(p: Pending): void {
    if (p.stdoutEnd === undefined || p.stderrEnd === undefined || this.pending !== p) return;
    this.pending = undefined;
    if (p.timer) clearTimeout(p.timer);
    p.resolve({
      code: p.code ?? 255,
      stdout: p.out.all().subarray(0, p.stdoutEnd).toString('utf8'),
      stderr: p.err.all().subarray(0, p.stderrEnd).toString('utf8'),
    });
  }

  private onClose(reason: string): void {
    if (this.closedReason !== undefined) return;
    const said = lastLines(this.strayErr, 1);
    this.closedReason = said ? `${reason}: ${said}` : reason;
    const p = this.pending;
    this.pending = undefined;
    if (p) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(new ShellClosedError(this.closedReason));
    }
  }
}
