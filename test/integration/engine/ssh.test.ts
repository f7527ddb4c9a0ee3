/**
 * The SSH connector against real sshd: two containers provisioned by m1
 * (docker), and the same hosts as a bare cluster logging in as a sudo user.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnector, type SshTarget } from '../../../src/engine/connectors/ssh.js';
import { AccessError, UnreachableError } from '../../../src/engine/connectors/types.js';
import type { Inventory } from '../../../src/inventory/inventory.js';
import { generateKeyPair } from '../../../src/ssh/keys.js';
import { bareTwinOf, provisionCluster, provisionTestCluster, removeTestClusters, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { e2eClusterName } from '../../support/testCluster.js';

const NAME = e2eClusterName('m1engssh');
let hosts: ProvisionedTestCluster;
let sudo: ProvisionedTestCluster;

function targets(c: { dir: string; inventory: Inventory }): SshTarget[] {
  return c.inventory.hosts.map((h) => ({
    host: h.name,
    address: h.address,
    port: h.port,
    user: h.user,
    privateKeyFile: join(c.dir, c.inventory.privateKeyFile),
    knownHostsFile: join(c.dir, c.inventory.knownHostsFile),
  }));
}

beforeAll(async () => {
  await removeTestClusters(NAME);
  hosts = await provisionTestCluster({ name: NAME, count: 2, fresh: true });
  sudo = await provisionCluster(await bareTwinOf(hosts, `${NAME}-sudo`, { sudoUser: 'm1op', dir: join(hosts.dir, 'sudo-twin') }));
});
afterAll(async () => {
  await sudo?.teardown();
  await hosts?.teardown();
});

describe('SshConnector against real sshd', () => {
  it('runs commands as root through one shell, ~1 ms each', async () => {
    const c = new SshConnector(targets(hosts)[0]!);
    await c.connect();
    const r = await c.run('echo out; echo err >&2; hostname; exit 3');
    expect(r).toEqual({ code: 3, stdout: `out\n${hosts.inventory.hosts[0]!.name}\n`, stderr: 'err\n' });
    const t = performance.now();
    for (let i = 0; i < 200; i++) await c.run('true');
    const per = (performance.now() - t) / 200;
    console.log(`ssh: ${per.toFixed(2)} ms per command`);
    expect(per).toBeLessThan(10);
    await c.close();
  });

  it('becomes root with sudo -n when the login user is not root', async () => {
    const target = targets(sudo)[1]!;
    expect(target.user).toBe('m1op');
    const c = new SshConnector(target);
    expect((await c.run('id -un')).stdout).toBe('root\n');
    expect((await c.run('cat', { stdin: "it's\n" })).stdout).toBe("it's\n");
    await c.close();
  });

  it.each([
    ['root', 0, 317],
    ['a sudo user', 1, 318],
  ] as const)('a command that outlives its timeout does not run on (login %s)', async (_, n, seconds) => {
    const target = (n === 0 ? targets(hosts) : targets(sudo))[n]!;
    const c = new SshConnector(target);
    await c.connect();
    await expect(c.run(`sleep ${seconds}; echo late`, { timeoutMs: 1500 })).rejects.toThrow(/timed out after 1.5 s/);
    // The next command gets a fresh shell; the timed-out one is gone with its children.
    let left = '';
    for (let i = 0; i < 10; i++) {
      left = (await c.run(`pgrep -fx 'sleep ${seconds}' || true`, { idempotent: true })).stdout;
      if (left === '') break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(left).toBe('');
    expect((await c.run('id -u')).stdout).toBe('0\n');
    await c.close();
  });

  it('refuses a host whose key is not in known_hosts, in one line', async () => {
    const target = { ...targets(hosts)[0]!, knownHostsFile: join(tmpdir(), `${NAME}-empty_known_hosts`) };
    await writeFile(target.knownHostsFile, '');
    const err = await new SshConnector(target).connect().catch((e: Error) => e);
    expect(err).toBeInstanceOf(AccessError);
    expect((err as Error).message).toMatch(new RegExp(`^${target.host}: host key of ${target.address} is unknown \\(ssh-ed25519 SHA256:`));
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a changed host key', async () => {
    const target = { ...targets(hosts)[0]!, knownHostsFile: join(tmpdir(), `${NAME}-wrong_known_hosts`) };
    const [algorithm, base64] = generateKeyPair('ed25519', 'impostor').publicKey.split(' ');
    await writeFile(target.knownHostsFile, `${target.address} ${algorithm} ${base64}\n`);
    const err = await new SshConnector(target).connect().catch((e: Error) => e);
    expect(err).toBeInstanceOf(AccessError);
    expect((err as Error).message).toMatch(/does not match .*wrong_known_hosts/);
  });

  it('reports an address nothing listens on as unreachable in one line', async () => {
    const target = { ...targets(hosts)[0]!, port: 2 };
    const err = await new SshConnector(target, { connectTimeoutMs: 3000 }).connect().catch((e: Error) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe(`${target.host}: unreachable (connection refused connecting to ${target.address}:2)`);
  });

  it('reopens the shell after it dies and reruns reads', async () => {
    const c = new SshConnector(targets(hosts)[1]!);
    const pid = (await c.run('echo $PPID')).stdout;
    // kill the long-lived shell itself: the next read comes back on a new one
    await expect(c.run('kill -9 $PPID', {})).rejects.toThrow(/connection lost/);
    const again = await c.run('echo $PPID', { idempotent: true });
    expect(again.stdout).not.toBe(pid);
    await c.close();
  });
});
