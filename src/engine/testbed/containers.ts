/**
 * Throwaway test hosts for the engine's integration tests and benchmark:
 * N systemd + sshd containers of the m1 host image on a network of their
 * own, root (and a sudo user) reachable with a generated ed25519 key, their
 * host keys collected into a known_hosts file. Uses the docker CLI; nothing
 * here is used by m1 itself (m1 provision does this for real clusters).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { packageRoot } from '../../packageRoot.js';
import type { SshTarget } from '../connectors/ssh.js';

const run = promisify(execFile);

/** The flags systemd needs in a container here (never --privileged). */
export const SYSTEMD_FLAGS = [
  '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN',
  '--security-opt', 'seccomp=unconfined', '--security-opt', 'apparmor=unconfined',
  '--cgroupns=host', '-v', '/sys/fs/cgroup:/sys/fs/cgroup:rw',
  '--tmpfs', '/run', '--tmpfs', '/run/lock', '-e', 'container=docker',
];

export const SUDO_USER = 'm1op';

export interface TestHost {
  name: string;
  address: string;
}

export interface Testbed {
  /** Temporary directory holding the key pair and known_hosts. */
  dir: string;
  network: string;
  hosts: TestHost[];
  privateKeyFile: string;
  knownHostsFile: string;
  /** SSH targets for the hosts, logging in as root or as the sudo user. */
  targets(user?: string): SshTarget[];
  teardown(): Promise<void>;
}

export interface TestbedOptions {
  /** Prefix of the containers and network (unique per test suite). */
  prefix: string;
  count?: number;
  image?: string;
}

async function docker(...args: string[]): Promise<string> {
  const { stdout } = await run('docker', args, { maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

async function dockerIn(container: string, script: string, input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('docker', ['exec', '-i', container, 'sh', '-c', script], (err, stdout, stderr) =>
      err ? reject(new Error(`docker exec ${container}: ${stderr || err.message}`)) : resolve(stdout),
    );
    child.stdin?.end(input ?? '');
  });
}

/** Removes every container and the network of a prefix (leftovers of an interrupted run too). */
export async function removeTestbed(prefix: string): Promise<void> {
  const ids = (await docker('ps', '-aq', '--filter', `label=m1.testbed=${prefix}`)).split('\n').filter(Boolean);
  if (ids.length) await docker('rm', '-f', '-v', ...ids);
  await docker('network', 'rm', `${prefix}-net`).catch(() => undefined);
}

async function waitBooted(container: string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const state = await dockerIn(container, 'systemctl is-system-running 2>/dev/null; systemctl is-active ssh 2>/dev/null || true').catch(() => '');
    if (/^(running|degraded)\nactive/m.test(state)) return;
    if (Date.now() > deadline) throw new Error(`testbed: ${container} did not boot within 90 s (${state.trim()})`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

/** Builds the host image when it is missing (docker/build-image.sh, no registry). */
async function ensureImage(image: string): Promise<void> {
  const found = await docker('image', 'inspect', image).then(() => true, () => false);
  if (found) return;
  const release = image.split(':')[1] ?? 'bookworm';
  await run('bash', [join(packageRoot, 'docker', 'build-image.sh'), release], { maxBuffer: 16 * 1024 * 1024 });
}

export async function startTestbed(options: TestbedOptions): Promise<Testbed> {
  const { prefix, count = 3, image = 'm1/debian:bookworm' } = options;
  await ensureImage(image);
  await removeTestbed(prefix);
  const dir = await mkdtemp(join(tmpdir(), `${prefix}-`));
  const privateKeyFile = join(dir, 'id_test');
  await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${prefix}-test`, '-f', privateKeyFile]);
  const publicKey = await readFile(`${privateKeyFile}.pub`, 'utf8');
  const network = `${prefix}-net`;
  await docker('network', 'create', '--label', `m1.testbed=${prefix}`, network);
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i + 1}`);
  const hosts = await Promise.all(
    names.map(async (name) => {
      await docker('run', '-d', '--name', name, '--hostname', name, '--network', network, '--label', `m1.testbed=${prefix}`, ...SYSTEMD_FLAGS, image);
      await waitBooted(name);
      await dockerIn(
        name,
        [
          'set -e',
          'mkdir -p /root/.ssh && chmod 700 /root/.ssh && cat > /root/.ssh/authorized_keys && chmod 600 /root/.ssh/authorized_keys',
          `id ${SUDO_USER} >/dev/null 2>&1 || useradd -m -s /bin/sh ${SUDO_USER}`,
          `mkdir -p /home/${SUDO_USER}/.ssh && cp /root/.ssh/authorized_keys /home/${SUDO_USER}/.ssh/ && chown -R ${SUDO_USER}: /home/${SUDO_USER}/.ssh`,
          `echo '${SUDO_USER} ALL=(ALL) NOPASSWD:ALL' > /etc/sudoers.d/${SUDO_USER} && chmod 440 /etc/sudoers.d/${SUDO_USER}`,
        ].join('\n'),
        publicKey,
      );
      const address = (await docker('inspect', '-f', `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`, name)).trim();
      const hostKey = (await dockerIn(name, 'cat /etc/ssh/ssh_host_ed25519_key.pub')).trim().split(/\s+/).slice(0, 2).join(' ');
      return { name, address, hostKey };
    }),
  );
  const knownHostsFile = join(dir, 'known_hosts');
  await writeFile(knownHostsFile, hosts.map((h) => `${h.address} ${h.hostKey}\n`).join(''));
  return {
    dir,
    network,
    hosts: hosts.map(({ name, address }) => ({ name, address })),
    privateKeyFile,
    knownHostsFile,
    targets: (user = 'root') => hosts.map((h) => ({ host: h.name, address: h.address, port: 22, user, privateKeyFile, knownHostsFile })),
    teardown: async () => {
      await removeTestbed(prefix);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
