import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshConnector } from '../../../src/engine/connectors/ssh.js';
import { AccessError, UnreachableError } from '../../../src/engine/connectors/types.js';
import { SUDO_USER, startTestbed, type Testbed } from '../../../src/engine/testbed/containers.js';

let bed: Testbed;
beforeAll(async () => {
  bed = await startTestbed({ prefix: 'm1eng-ssh', count: 2 });
});
afterAll(async () => {
  await bed?.teardown();
});

describe('SshConnector against real sshd', () => {
  it('runs commands as root through one shell, ~1 ms each', async () => {
    const c = new SshConnector(bed.targets()[0]!);
    await c.connect();
    const r = await c.run('echo out; echo err >&2; hostname; exit 3');
    expect(r).toEqual({ code: 3, stdout: `out\n${bed.hosts[0]!.name}\n`, stderr: 'err\n' });
    const t = performance.now();
    for (let i = 0; i < 200; i++) await c.run('true');
    const per = (performance.now() - t) / 200;
    console.log(`ssh: ${per.toFixed(2)} ms per command`);
    expect(per).toBeLessThan(10);
    await c.close();
  });

  it('becomes root with sudo -n when the login user is not root', async () => {
    const c = new SshConnector(bed.targets(SUDO_USER)[1]!);
    expect((await c.run('id -un')).stdout).toBe('root\n');
    expect((await c.run('cat', { stdin: "it's\n" })).stdout).toBe("it's\n");
    await c.close();
  });

  it('refuses a host whose key is not in known_hosts, in one line', async () => {
    const target = { ...bed.targets()[0]!, knownHostsFile: `${bed.dir}/empty_known_hosts` };
    await writeFile(target.knownHostsFile, '');
    const c = new SshConnector(target);
    const err = await c.connect().catch((e: Error) => e);
    expect(err).toBeInstanceOf(AccessError);
    expect((err as Error).message).toMatch(new RegExp(`^${bed.hosts[0]!.name}: host key of ${bed.hosts[0]!.address} is unknown \\(ssh-ed25519 SHA256:`));
    expect((err as Error).message).not.toContain('\n');
  });

  it('refuses a changed host key', async () => {
    const target = { ...bed.targets()[0]!, knownHostsFile: `${bed.dir}/wrong_known_hosts` };
    const other = (await import('node:fs/promises')).readFile(bed.knownHostsFile, 'utf8');
    const lines = (await other).trim().split('\n');
    // host 0's address with host 1's key
    await writeFile(target.knownHostsFile, `${bed.hosts[0]!.address} ${lines[1]!.split(' ').slice(1).join(' ')}\n`);
    const err = await new SshConnector(target).connect().catch((e: Error) => e);
    expect((err as Error).message).toMatch(/does not match .*wrong_known_hosts/);
  });

  it('reports an address nothing listens on as unreachable in one line', async () => {
    const target = { ...bed.targets()[0]!, port: 2 };
    const err = await new SshConnector(target, { connectTimeoutMs: 3000 }).connect().catch((e: Error) => e);
    expect(err).toBeInstanceOf(UnreachableError);
    expect((err as Error).message).toBe(`${bed.hosts[0]!.name}: unreachable (connection refused connecting to ${bed.hosts[0]!.address}:2)`);
  });

  it('reopens the shell after it dies and reruns reads', async () => {
    const c = new SshConnector(bed.targets()[1]!);
    const pid = (await c.run('echo $PPID')).stdout;
    // kill the long-lived shell itself: the next read comes back on a new one
    await expect(c.run('kill -9 $PPID', {})).rejects.toThrow(/connection lost/);
    const again = await c.run('echo $PPID', { idempotent: true });
    expect(again.stdout).not.toBe(pid);
    await c.close();
  });
});
