/**
 * A minimal SSH check used by provision (the engine has its own long-lived
 * connections): connect with the cluster key, verify the host key against what
 * known_hosts holds (or capture it on first contact), run one command, close.
 */
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { publicKeyOf, type PublicKey } from '../ssh/keys.js';
import { hostKeyAlgorithms, matchHostKey, type KnownKey } from '../ssh/knownHosts.js';
import { describeNetError } from '../ssh/netError.js';

export interface SshTarget {
  name: string;
  address: string;
  port: number;
  user: string;
}

export interface ProbeOptions {
  privateKey: string;
  /** The host's keys from known_hosts; empty means first contact: accept and report the key. */
  knownKeys: KnownKey[];
  command: string;
  /** Whole attempt, connect to close, in ms. */
  timeoutMs: number;
}

export type ProbeFailure = 'unreachable' | 'hostkey-mismatch' | 'hostkey-revoked' | 'auth' | 'timeout';

export type ProbeOutcome =
  | { ok: true; hostKey: PublicKey; exitCode: number; stdout: string; stderr: string }
  | { ok: false; reason: ProbeFailure; message: string; hostKey?: PublicKey };

export function probeSsh(target: SshTarget, opts: ProbeOptions): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const client = new Client();
    let presented: PublicKey | undefined;
    let refused: 'hostkey-mismatch' | 'hostkey-revoked' | undefined;
    let settled = false;
    const finish = (o: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      resolve(o);
    };
    const timer = setTimeout(
      () => finish({ ok: false, reason: 'timeout', message: `no answer within ${Math.round(opts.timeoutMs / 1000)} s`, hostKey: presented }),
      opts.timeoutMs,
    );
    const config: ConnectConfig = {
      host: target.address,
      port: target.port,
      username: target.user,
      privateKey: opts.privateKey,
      readyTimeout: opts.timeoutMs,
      // The check must not hang on an agent or a password prompt.
      agent: undefined,
      tryKeyboard: false,
      hostVerifier: (key: Buffer) => {
        presented = publicKeyOf(key);
        const match = matchHostKey(opts.knownKeys, key);
        if (match === 'changed') refused = 'hostkey-mismatch';
        if (match === 'revoked') refused = 'hostkey-revoked';
        return refused === undefined;
      },
    };
    const algorithms = hostKeyAlgorithms(opts.knownKeys);
    // Ask for a key type known_hosts holds, as OpenSSH does, so a match is decidable.
    if (algorithms.length) config.algorithms = { serverHostKey: algorithms as ServerHostKeyAlgorithm[] };
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (refused) {
        const message = refused === 'hostkey-revoked' ? 'host key is marked @revoked in known_hosts' : 'host key differs from known_hosts';
        finish({ ok: false, reason: refused, message, hostKey: presented });
      } else if (err.level === 'client-authentication') {
        finish({ ok: false, reason: 'auth', message: `key not accepted for ${target.user}`, hostKey: presented });
      } else {
        finish({ ok: false, reason: 'unreachable', message: describeNetError(err), hostKey: presented });
      }
    });
    client.on('ready', () => {
      client.exec(opts.command, (err, stream) => {
        if (err) return finish({ ok: false, reason: 'unreachable', message: err.message, hostKey: presented });
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => (stdout += d.toString()));
        stream.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        stream.on('close', (code: number | null) => {
          finish({ ok: true, hostKey: presented!, exitCode: code ?? -1, stdout, stderr });
        });
      });
    });
    client.connect(config);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Probes until the host answers or the deadline passes: used while a
 * container boots (connection refused until sshd listens). Only
 * 'unreachable' is retried; a wrong key or host key is final.
 */
export async function waitForSsh(
  target: SshTarget,
  opts: Omit<ProbeOptions, 'timeoutMs'> & { deadline: number; attemptMs?: number },
): Promise<ProbeOutcome> {
  for (;;) {
    const left = opts.deadline - Date.now();
    const outcome = await probeSsh(target, { ...opts, timeoutMs: Math.max(1000, Math.min(opts.attemptMs ?? 10_000, left)) });
    if (outcome.ok || (outcome.reason !== 'unreachable' && outcome.reason !== 'timeout')) return outcome;
    if (Date.now() + 250 >= opts.deadline) return outcome;
    await sleep(250);
  }
}
