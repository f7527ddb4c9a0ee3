/**
 * The SSH connector: one connection per host (node-ssh over ssh2), key
 * authentication, strict host key checking against the cluster's known_hosts,
 * connect timeout and keepalive. Every command goes through ONE long-lived
 * `sh` (or `sudo -n sh`, rootShell.ts) on a single exec channel (see
 * shellSession.ts): about a millisecond per command instead of ~40 ms for a
 * channel each. A command that outlives its timeout is killed with everything
 * it started (its SSH session's processes) from a fresh shell before the
 * timeout is reported.
 */
import { readFile } from 'node:fs/promises';
import { NodeSSH } from 'node-ssh';
import type { Client, ClientChannel } from 'ssh2';
import { hostKeyAlgorithms, keysFor, parseKnownHosts, verifyHostKey, type KnownKey } from '../../ssh/knownHosts.js';
import { describeNetError } from '../../ssh/netError.js';
import { killSessionCommand, parseWhoAmI, rootShellCommand, WHO_AM_I } from './rootShell.js';
import { ShellClosedError, ShellSession } from './shellSession.js';
import { AccessError, CommandTimeoutError, ConnectionLostError, UnreachableError, type CommandResult, type Connector, type RunOptions } from './types.js';

export interface SshTarget {
  /** Inventory name, used in every message. */
  host: string;
  address: string;
  port: number;
  /** root, or a user with passwordless sudo. */
  user: string;
  /** Absolute path of the private key. */
  privateKeyFile: string;
  /** Absolute path of the known_hosts file checked strictly. */
  knownHostsFile: string;
}

export interface SshOptions {
  /** Give up connecting after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Keepalive probe interval (default 2 s); the connection is declared dead after `keepaliveCountMax` unanswered probes (default 3). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Reconnects allowed in one run after the connection died (default 3). */
  maxReconnects?: number;
}

export class SshConnector implements Connector {
  readonly host: string;
  private readonly target: SshTarget;
  private readonly options: Required<SshOptions>;
  private ssh: NodeSSH | undefined;
  private alive = false;
  private lastError: string | undefined;
  private session: ShellSession | undefined;
  private opening: Promise<ShellSession> | undefined;
  private unreachable: Error | undefined;
  private reconnects = 0;
  /** close() was called: no reconnect, and a connect in progress is abandoned (m1 status does not wait for a dead host). */
  private closed = false;
  private abortConnect: ((e: Error) => void) | undefined;
  /** The SSH session id of each open shell (its processes and its commands' share it). */
  private readonly sessionIds = new WeakMap<ShellSession, number>();

  constructor(target: SshTarget, options: SshOptions = {}) {
    this.host = target.host;
    this.target = target;
    this.options = {
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 2_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 3,
      maxReconnects: options.maxReconnects ?? 3,
    };
  }

  async connect(): Promise<void> {
    await this.shell();
  }

  async run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    const session = await this.shell();
    try {
      return await session.run(command, options);
    } catch (e) {
      if (e instanceof CommandTimeoutError) await this.reap(session);
      if (!(e instanceof ShellClosedError)) throw e;
      const reason = this.lastError ?? e.message;
      // The shell or the connection died under the command: get a working shell back (or fail as unreachable).
      const fresh = await this.recover(reason);
      if (options.idempotent) return fresh.run(command, options);
      throw new ConnectionLostError(this.host, reason);
    }
  }

  /**
   * Kills what the timed-out shell's command left running, from a fresh
   * shell. Best effort: when that fails (host gone, no pkill), the timeout
   * is still what the caller hears of.
   */
  private async reap(timedOut: ShellSession): Promise<void> {
    const sessionId = this.sessionIds.get(timedOut);
    if (sessionId === undefined || this.closed) return;
    try {
      const fresh = await this.shell();
      await fresh.run(killSessionCommand(sessionId), { timeoutMs: this.options.connectTimeoutMs });
    } catch {
      // reported as the timeout
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.abortConnect?.(new UnreachableError(this.host, 'closed while connecting'));
    this.session?.close();
    this.session = undefined;
    this.ssh?.dispose();
    this.ssh = undefined;
    this.alive = false;
  }

  /** The live shell, opening the connection and/or the shell when needed. */
  private shell(): Promise<ShellSession> {
    if (this.unreachable) return Promise.reject(this.unreachable);
    if (this.closed) return Promise.reject(new ConnectionLostError(this.host, 'connection closed'));
    if (this.session && !this.session.closed) return Promise.resolve(this.session);
    if (this.session?.closed && !this.opening) {
      // Closed by a timeout or by the host: a new shell, on a new connection if that died too.
      return this.recover(this.lastError ?? this.session.closeReason ?? 'shell closed');
    }
    this.opening ??= this.open().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private recover(reason: string): Promise<ShellSession> {
    if (this.unreachable) return Promise.reject(this.unreachable);
    if (this.closed) return Promise.reject(new ConnectionLostError(this.host, reason));
    this.opening ??= (async () => {
      this.session = undefined;
      if (!this.alive) {
        if (this.reconnects >= this.options.maxReconnects) {
          throw this.markUnreachable(`connection lost (${reason}); gave up after ${this.reconnects} reconnects`);
        }
        this.reconnects++;
        try {
          return await this.open();
        } catch (e) {
          if (e instanceof UnreachableError) throw this.markUnreachable(`connection lost (${reason}); reconnecting: ${e.cause_}`);
          throw e;
        }
      }
      return this.openShell();
    })().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private markUnreachable(cause: string): UnreachableError {
    const err = new UnreachableError(this.host, cause);
    this.unreachable = err;
    void this.close();
    return err;
  }

  private async open(): Promise<ShellSession> {
    const t = this.target;
    let knownKeys: KnownKey[];
    let privateKey: string;
    try {
      knownKeys = keysFor(parseKnownHosts(await readFile(t.knownHostsFile, 'utf8')), t.address, t.port);
    } catch (e) {
      throw new AccessError(this.host, `cannot read known_hosts file ${t.knownHostsFile} (${(e as Error).message}); run m1 provision to record host keys`);
    }
    try {
      privateKey = await readFile(t.privateKeyFile, 'utf8');
    } catch (e) {
      throw new AccessError(this.host, `cannot read private key ${t.privateKeyFile} (${(e as Error).message})`);
    }
    let refusal: string | undefined;
    const ssh = new NodeSSH();
    const algorithms = hostKeyAlgorithms(knownKeys);
    const aborted = new Promise<never>((_, reject) => (this.abortConnect = reject));
    try {
      const connecting = ssh.connect({
        host: t.address,
        port: t.port,
        username: t.user,
        privateKey,
        readyTimeout: this.options.connectTimeoutMs,
        keepaliveInterval: this.options.keepaliveIntervalMs,
        keepaliveCountMax: this.options.keepaliveCountMax,
        ...(algorithms.length ? { algorithms: { serverHostKey: algorithms as never } } : {}),
        hostVerifier: (key: Buffer) => {
          refusal = verifyHostKey(knownKeys, key, t.knownHostsFile, t.address, t.port);
          return refusal === undefined;
        },
      });
      // Abandoned by close(), its own failure comes to nobody.
      connecting.catch(() => undefined);
      await Promise.race([connecting, aborted]);
      if (this.closed) throw new UnreachableError(this.host, 'closed while connecting');
    } catch (e) {
      (ssh.connection as Client | null)?.destroy();
      ssh.dispose();
      if (e instanceof UnreachableError) throw e;
      if (refusal) throw new AccessError(this.host, refusal);
      if (algorithms.length && /no matching host key/i.test((e as Error).message)) {
        throw new AccessError(
          this.host,
          `${t.address}:${t.port} offers none of the host key types ${t.knownHostsFile} lists for it (${knownKeys.map((k) => k.algorithm).join(', ')}); its keys changed or the file is wrong`,
        );
      }
      throw this.connectError(e as Error & { level?: string; code?: string });
    } finally {
      this.abortConnect = undefined;
    }
    const conn = ssh.connection as Client;
    this.ssh = ssh;
    this.alive = true;
    this.lastError = undefined;
    // After ready, node-ssh leaves no 'error' listener: without ours an error would crash the process.
    conn.on('error', (e: Error) => {
      this.lastError = describeNetError(e);
    });
    conn.on('close', () => {
      if (this.ssh === ssh) this.alive = false;
    });
    return this.openShell();
  }

  private connectError(e: Error & { level?: string; code?: string }): Error {
    const t = this.target;
    const where = `${t.address}:${t.port}`;
    if (e.level === 'client-authentication') {
      return new AccessError(this.host, `key authentication failed for ${t.user}@${where} with ${t.privateKeyFile}; install its public key for ${t.user}`);
    }
    if (e.level === 'client-timeout') {
      return new UnreachableError(this.host, `timed out after ${Math.round(this.options.connectTimeoutMs / 1000)} s connecting to ${where}`);
    }
    return new UnreachableError(this.host, `${describeNetError(e)} connecting to ${where}`);
  }

  /** Opens the long-lived shell on the live connection and checks it runs as root. */
  private async openShell(): Promise<ShellSession> {
    const conn = this.ssh?.connection as Client | undefined;
    if (!conn || !this.alive) throw new UnreachableError(this.host, this.lastError ?? 'not connected');
    const asRoot = this.target.user === 'root';
    const channel = await new Promise<ClientChannel>((resolve, reject) => {
      conn.exec(rootShellCommand(this.target.user), (err, ch) => (err ? reject(err) : resolve(ch)));
    }).catch((e: Error) => {
      throw new UnreachableError(this.host, `cannot open a channel: ${e.message}`);
    });
    let exit = '';
    channel.on('exit', (code: number | null, signal?: string) => {
      exit = signal ? `killed by ${signal}` : `exited ${code}`;
    });
    const session = new ShellSession(this.host, {
      stdin: channel,
      stdout: channel,
      stderr: channel.stderr,
      destroy: () => {
        try {
          channel.signal('KILL');
        } catch {
          // the server may not support signals; closing the channel ends the shell's input
        }
        channel.close();
      },
      onClose: (cb) => channel.on('close', () => cb(this.lastError ?? `shell ${exit || 'closed'}`)),
    });
    try {
      const who = parseWhoAmI((await session.run(WHO_AM_I, { timeoutMs: this.options.connectTimeoutMs })).stdout);
      if (who.uid !== '0') {
        throw new AccessError(this.host, `commands run as uid ${who.uid}, not root; log in as root or give ${this.target.user} passwordless sudo`);
      }
      if (who.sessionId !== undefined) this.sessionIds.set(session, who.sessionId);
    } catch (e) {
      if (e instanceof ShellClosedError && !asRoot) {
        throw new AccessError(this.host, `${this.target.user} cannot become root with \`sudo -n\` (${e.message}); give it passwordless sudo`);
      }
      if (e instanceof ShellClosedError) throw new UnreachableError(this.host, e.message);
      throw e;
    }
    this.session = session;
    return session;
  }
}
