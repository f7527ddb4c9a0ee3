/**
 * What a docker host needs before sshd can be trusted: the cluster's host keys
 * in /etc/ssh and the cluster's public key authorized for root. Put into the
 * container (put-archive) before its first start, so sshd starts with them.
 */
import type { TarEntry } from './tar.js';

export interface HostKeyFiles {
  type: string;
  privateKey: string;
  publicKey: string;
}

export function hostKeyEntries(keys: HostKeyFiles[]): TarEntry[] {
  return keys.flatMap((k) => [
    { path: `etc/ssh/ssh_host_${k.type}_key`, content: k.privateKey, mode: 0o600 },
    { path: `etc/ssh/ssh_host_${k.type}_key.pub`, content: k.publicKey.trim() + '\n', mode: 0o644 },
  ]);
}

export function bootstrapEntries(keys: HostKeyFiles[], clusterPublicKey: string): TarEntry[] {
  return [
    ...hostKeyEntries(keys),
    { path: 'root/.ssh', mode: 0o700 },
    { path: 'root/.ssh/authorized_keys', content: clusterPublicKey.trim() + '\n', mode: 0o600 },
  ];
}

/**
 * Shell run by `docker exec` to repair an existing host: authorize the key
 * (kept beside any other line) and restart sshd on the installed host keys.
 * The public key is no secret, so it may travel as an argument.
 */
export function repairCommand(clusterPublicKey: string): string[] {
  const line = clusterPublicKey.trim();
  return [
    'sh',
    '-c',
    'set -e; install -d -m 700 /root/.ssh; f=/root/.ssh/authorized_keys; touch "$f"; chmod 600 "$f"; ' +
      'grep -qxF "$1" "$f" || printf "%s\\n" "$1" >> "$f"; systemctl restart ssh',
    'm1-repair',
    line,
  ];
}
