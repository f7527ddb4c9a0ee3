/**
 * m1 provision on the bare platform: the containers of a docker test cluster
 * declared as bare hosts (their addresses in the config).
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/exitCodes.js';
import { readInventory } from '../../../src/inventory/inventory.js';
import { keysFor, parseKnownHosts } from '../../../src/ssh/knownHosts.js';
import { platformFor } from '../../../src/platforms/index.js';
import { generateKeyPair } from '../../../src/ssh/keys.js';
import { m1Error } from '../../support/errors.js';
import { bareTwinOf, provisionTestCluster, removeTestClusters, sshRun, type ProvisionedTestCluster } from '../../support/provisioned.js';
import { addressIn, subnetFor } from '../../support/testCluster.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { rm } from 'node:fs/promises';

describe('bare platform', () => {
  let hosts: ProvisionedTestCluster;
  let bare: Cluster;

  beforeAll(async () => {
    await removeTestClusters('m1provb');
    hosts = await provisionTestCluster({ name: 'm1provb', fresh: true });
    bare = await bareTwinOf(hosts, 'm1provbare');
    await rm(join(bare.dir, 'known_hosts'), { force: true });
  });
  afterAll(async () => {
    await hosts?.teardown();
    if (bare) await rm(bare.dir, { recursive: true, force: true });
  });

  it('checks every host over SSH and records its host key on first provision, printing the fingerprint', async () => {
    const lines: string[] = [];
    const r = await platformFor(bare).provision(bare, { progress: (l) => lines.push(l) });
    expect(r.hosts.map((h) => h.status)).toEqual(['recorded', 'recorded', 'recorded']);
    const hostPub = readFileSync(join(hosts.dir, 'hostkeys/ssh_host_ed25519_key.pub'), 'utf8').split(' ');
    const known = parseKnownHosts(readFileSync(join(bare.dir, 'known_hosts'), 'utf8'));
    expect(known).toHaveLength(hosts.inventory.hosts.length);
    for (const h of hosts.inventory.hosts) expect(keysFor(known, h.address, 22)).toEqual([{ algorithm: hostPub[0], base64: hostPub[1], revoked: false }]);
    for (const h of r.hosts) {
      expect(lines).toContain(`host ${h.name} ${h.address}: host key recorded, ED25519 ${h.fingerprint} (as root)`);
    }
    const inv = await readInventory(bare.dir);
    expect(inv).toMatchObject({ cluster: 'm1provbare', platform: 'bare', privateKeyFile: 'id_m1provbare', knownHostsFile: 'known_hosts' });
    expect(inv.hosts.map((h) => [h.address, h.user])).toEqual(hosts.inventory.hosts.map((h) => [h.address, 'root']));
    // The bare cluster's own key and known_hosts work with the OpenSSH client, strictly.
    const a = await sshRun(bare.dir, inv, inv.hosts[2]!.name, 'hostname');
    expect(a.stdout.trim(), a.stderr).toBe(hosts.cluster.instances[2]!.name);
  });

  it('a second provision changes nothing', async () => {
    const before = readFileSync(join(bare.dir, 'known_hosts'), 'utf8');
    const r = await platformFor(bare).provision(bare);
    expect(r.changed).toEqual([]);
    expect(r.hosts.map((h) => h.status)).toEqual(['unchanged', 'unchanged', 'unchanged']);
    expect(readFileSync(join(bare.dir, 'known_hosts'), 'utf8')).toBe(before);
  });

  it('refuses (exit 3) a host whose key changed, and leaves known_hosts alone', async () => {
    const path = join(bare.dir, 'known_hosts');
    const good = readFileSync(path, 'utf8');
    const forged = generateKeyPair('ed25519', 'x').publicKey.split(' ');
    const addr = hosts.inventory.hosts[1]!.address;
    const bad = good.replace(new RegExp(`^${addr.replace(/\./g, '\\.')} .*$`, 'm'), `${addr} ${forged[0]} ${forged[1]}`);
    writeFileSync(path, bad);
    const err = await m1Error(platformFor(bare).provision(bare));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toMatch(new RegExp(`^host ${hosts.cluster.instances[1]!.name} ${addr.replace(/\./g, '\\.')}: host key changed \\(it presents ED25519 SHA256:`));
    expect(err.message.split('\n')).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toBe(bad);
    writeFileSync(path, good);
  });

  it('refuses (exit 3) a host whose key is @revoked, even when it is also listed; hashed entries count', async () => {
    const path = join(bare.dir, 'known_hosts');
    const good = readFileSync(path, 'utf8');
    const addr = hosts.inventory.hosts[0]!.address;
    const line = good.split('\n').find((l) => l.startsWith(`${addr} `))!;
    // The same key, its host field hashed as `ssh-keygen -H` writes it, then revoked.
    const salt = randomBytes(20);
    const hashedLine = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(addr).digest('base64')} ${line.split(' ').slice(1).join(' ')}`;
    writeFileSync(path, good.replace(`${line}\n`, `${hashedLine}\n@revoked ${line}\n`));
    const err = await m1Error(platformFor(bare).provision(bare));
    expect(err.exitCode).toBe(ExitCode.Refused);
    expect(err.message).toMatch(new RegExp(`^host ${hosts.cluster.instances[0]!.name} ${addr.replace(/\./g, '\\.')}: it presents ED25519 SHA256:\\S+, marked @revoked in known_hosts`));
    // Without the revocation the hashed entry alone is enough: nothing to record, nothing changed.
    writeFileSync(path, good.replace(`${line}\n`, `${hashedLine}\n`));
    const r = await platformFor(bare).provision(bare);
    expect(r.changed).toEqual([]);
    expect(r.hosts[0]!.status).toBe('unchanged');
    writeFileSync(path, good);
  });

  it('a host that does not answer is one clear line, exit 1', async () => {
    const gone = addressIn(subnetFor('m1provb'), 9);
    const withGhost: Cluster = {
      ...bare,
      instances: [...bare.instances, { ...bare.instances[0]!, name: 'm1provbare-ghost', node: 9, ipAddress: gone }],
    };
    const started = Date.now();
    const err = await m1Error(platformFor(withGhost).provision(withGhost, { readyTimeoutMs: 5000 }));
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(err.exitCode).toBe(ExitCode.Failed);
    expect(err.message).toMatch(new RegExp(`^host m1provbare-ghost ${gone.replace(/\./g, '\\.')}: no SSH answer \\(.+\\)$`));
  });

  it('logs in as a sudo user; one without passwordless sudo is named, exit 1', async () => {
    const sudo = await bareTwinOf(hosts, 'm1provbsudo', { sudoUser: 'm1admin' });
    try {
      const r = await platformFor(sudo).provision(sudo);
      expect(r.inventory.hosts.map((h) => h.user)).toEqual(['m1admin', 'm1admin', 'm1admin']);
      const a = await sshRun(sudo.dir, r.inventory, r.inventory.hosts[0]!.name, 'sudo -n id -u');
      expect(a.stdout.trim()).toBe('0');
      const victim = hosts.inventory.hosts[2]!.name;
      expect((await hosts.ssh(victim, 'rm /etc/sudoers.d/m1admin')).code).toBe(0);
      const err = await m1Error(platformFor(sudo).provision(sudo));
      expect(err.exitCode).toBe(ExitCode.Failed);
      expect(err.message).toMatch(new RegExp(`^host ${victim} [0-9.]+: m1admin cannot act as root without a password \\(sudo -n true: .*password.*\\)$`));
    } finally {
      await rm(sudo.dir, { recursive: true, force: true });
    }
  });

  it('deprovision forgets the inventory and touches no host', async () => {
    const platform = platformFor(bare);
    expect(await platform.deprovisionPlan(bare)).toEqual(['inventory.json']);
    const r = await platform.deprovision(bare);
    expect(r.removed).toEqual(['inventory.json']);
    expect((await hosts.ssh(hosts.inventory.hosts[0]!.name, 'true')).code).toBe(0);
  });
});
