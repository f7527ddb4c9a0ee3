/**
 * The artefacts provision keeps in a cluster directory: the cluster's SSH key
 * pair, the per-cluster SSH host keys, known_hosts, ssh_config, .gitignore.
 * Each is created once and left alone afterwards; every function reports
 * whether it changed anything, so a rerun can say "0 changed".
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2 from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader does not see `utils` as a named export.
const { utils } = ssh2;
import type { Cluster } from '../inventory/cluster.js';
import type { Inventory } from '../inventory/inventory.js';
import { writeFileAtomic } from '../inventory/localFiles.js';
import { mergeGitignore } from './gitignore.js';
import { generateKeyPair, parsePublicKey, type KeyType, type PublicKey } from '../ssh/keys.js';
import { hasExactly, parseKnownHosts, setHostKeys } from '../ssh/knownHosts.js';

export const KNOWN_HOSTS_FILE = 'known_hosts';
export const SSH_CONFIG_FILE = 'ssh_config';
export const HOSTKEYS_DIR = 'hostkeys';
/** Host key types installed on docker hosts, in the order sshd offers them. */
export const HOST_KEY_TYPES: KeyType[] = ['ed25519', 'ecdsa'];

/** `id_<cluster>`: TPA's name, lowercased. */
export function keyFileName(cluster: Pick<Cluster, 'name'>): string {
  return `id_${cluster.name.toLowerCase()}`;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes through a temporary file and a rename, so readers never see half a file. */
export async function writeAtomic(path: string, text: string, mode = 0o644): Promise<void> {
  await writeFileAtomic(path, text, { mode });
}

/** Writes when the content differs; true when it wrote. */
async function writeIfChanged(path: string, text: string, mode = 0o644): Promise<boolean> {
  if ((await readText(path)) === text) return false;
  await writeAtomic(path, text, mode);
  return true;
}

/** The public half of an OpenSSH private key, as one line. */
function publicOf(privateKey: string, comment: string): string {
  const parsed = utils.parseKey(privateKey);
  if (parsed instanceof Error) throw parsed;
  return `${parsed.type} ${parsed.getPublicSSH().toString('base64')} ${comment}`;
}

/**
 * A key pair at `path` / `path.pub`: generated when the private key is
 * missing (0600), the .pub rewritten from it when missing. Returns the public
 * key line and whether anything was written.
 */
async function ensureKeyPair(path: string, type: KeyType, comment: string): Promise<{ publicKey: string; changed: boolean }> {
  const existing = await readText(path);
  if (existing !== undefined) {
    const pub = await readText(`${path}.pub`);
    if (pub !== undefined && parsePublicKey(pub)) return { publicKey: pub.trim(), changed: false };
    const line = publicOf(existing, comment);
    await writeAtomic(`${path}.pub`, line + '\n');
    return { publicKey: line, changed: true };
  }
  const pair = generateKeyPair(type, comment);
  // 'wx': never overwrite a key another run created meanwhile.
  await writeFileAtomic(path, pair.privateKey, { mode: 0o600, exclusive: true });
  await writeAtomic(`${path}.pub`, pair.publicKey + '\n');
  return { publicKey: pair.publicKey, changed: true };
}

export interface ClusterKey {
  /** Absolute path of the private key. */
  privateKeyPath: string;
  /** Relative to the cluster directory. */
  privateKeyFile: string;
  publicKey: string;
  changed: boolean;
}

/** The cluster's SSH key pair id_<cluster> (ed25519), generated once. */
export async function ensureClusterKey(cluster: Pick<Cluster, 'dir' | 'name'>): Promise<ClusterKey> {
  await mkdir(cluster.dir, { recursive: true });
  const file = keyFileName(cluster);
  const path = join(cluster.dir, file);
  const { publicKey, changed } = await ensureKeyPair(path, 'ed25519', `m1-${cluster.name}`);
  return { privateKeyPath: path, privateKeyFile: file, publicKey, changed };
}

export interface HostKey {
  type: KeyType;
  /** Absolute path of the private key. */
  privateKeyPath: string;
  privateKey: string;
  publicKey: string;
}

/** hostkeys/ssh_host_<type>_key[.pub]: one set per cluster, shared by its docker hosts. */
export async function ensureHostKeys(cluster: Pick<Cluster, 'dir' | 'name'>): Promise<{ keys: HostKey[]; changed: boolean }> {
  const dir = join(cluster.dir, HOSTKEYS_DIR);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keys: HostKey[] = [];
  let changed = false;
  for (const type of HOST_KEY_TYPES) {
    const path = join(dir, `ssh_host_${type}_key`);
    const r = await ensureKeyPair(path, type, `root@${cluster.name}`);
    changed ||= r.changed;
    keys.push({ type, privateKeyPath: path, privateKey: await readFile(path, 'utf8'), publicKey: r.publicKey });
  }
  return { keys, changed };
}

export async function ensureGitignore(dir: string): Promise<boolean> {
  const path = join(dir, '.gitignore');
  const current = (await readText(path)) ?? '';
  return writeIfChanged(path, mergeGitignore(current));
}

export async function readKnownHosts(dir: string): Promise<string> {
  return (await readText(join(dir, KNOWN_HOSTS_FILE))) ?? '';
}

/** Sets the keys of each host (address and port) in known_hosts; true when the file changed. */
export async function updateKnownHosts(dir: string, hosts: { address: string; port: number; keys: PublicKey[] }[]): Promise<boolean> {
  let text = await readKnownHosts(dir);
  for (const h of hosts) {
    if (!hasExactly(parseKnownHosts(text), h.address, h.port, h.keys)) text = setHostKeys(text, h.address, h.port, h.keys);
  }
  return writeIfChanged(join(dir, KNOWN_HOSTS_FILE), text);
}

/** ssh_config for humans: `ssh -F ssh_config <instance>` checks known_hosts strictly. */
export function sshConfigText(inv: Inventory): string {
  const lines = [
    '# Written by m1 provision: ssh -F ssh_config <instance>',
    'Host *',
    `  IdentityFile ${inv.privateKeyFile}`,
    '  IdentitiesOnly yes',
    `  UserKnownHostsFile ${inv.knownHostsFile}`,
    '  StrictHostKeyChecking yes',
    '  ServerAliveInterval 60',
  ];
  for (const h of inv.hosts) {
    lines.push('', `Host ${h.name}`, `  HostName ${h.address}`, `  User ${h.user}`);
    if (h.port !== 22) lines.push(`  Port ${h.port}`);
  }
  return lines.join('\n') + '\n';
}

export async function writeSshConfig(dir: string, inv: Inventory): Promise<boolean> {
  return writeIfChanged(join(dir, SSH_CONFIG_FILE), sshConfigText(inv));
}
