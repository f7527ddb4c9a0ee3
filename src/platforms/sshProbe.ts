/**
 * A minimal SSH check used by provision (the engine has its own long-lived
 * connections): connect with the cluster key, verify the host key against what
 * known_hosts holds (or capture it on first contact), run one command, close.
 */
import { Client, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { blobAlgorithm, type PublicKey } from './sshKeys.js';

export interface SshTarget {
  name: string;
  address: string;
  port: number;
  user: string;
}

export interface ProbeOptions {
  privateKey: string;
  /** The host's keys from known_hosts; empty means first contact: accept and report the key. */
  knownKeys: PublicKey[];
  command: string;
  /** Whole attempt, connect to close, in ms. */
  timeoutMs: number;
}

export type ProbeFailure = 'unreachable' | 'hostkey-mismatch' | 'auth' | 'timeout';

export type ProbeOutcome =
  | { ok: true; hostKey: PublicKey; exitCode: number; stdout: string; stderr: string }
  | { ok: false; reason: ProbeFailure; message: string; hostKey?: PublicKey };

/** Host key algorithms that can present a key of a known_hosts key type. */
function algorithmsFor(keyType: string): ServerHostKeyAlgorithm[] {
  return (keyType === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [keyType]) as ServerHostKeyAlgorithm[];
}

export function probeSsh(target: SshTarget, opts: ProbeOptions): Promise<ProbeOutcome> {
  return new Promise((resolve) => {
    const client = new Client();
    let presented: PublicKey | undefined;
    let mismatch = false;
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
        presented = { algorithm: blobAlgorithm(key), base64: key.toString('base64') };
        if (opts.knownKeys.length === 0) return true;
        const ok = opts.knownKeys.some((k) => k.base64 === presented!.base64);
        mismatch = !ok;
        return ok;
      },
    };
    if (opts.knownKeys.length > 0) {
      // Ask for a key type known_hosts holds, as OpenSSH does, so a match is decidable.
      config.algorithms = { serverHostKey: [...new Set(opts.knownKeys.flatMap((k) => algorithmsFor(k.algorithm)))] };
    }
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (mismatch) {
        finish({ ok: false, reason: 'hostkey-mismatch', message: 'host key differs from known_hosts', hostKey: presented });
      } else if (err.level === 'client-authentication') {
        finish({ ok: false, reason: 'auth', message: `key not accepted for ${target.user}`, hostKey: presented });
      } else {
        finish({ ok: false, reason: 'unreachable', message: err.code ? `${err.code}` : err.message, hostKey: presented });
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
