/**
 * The bare platform: the hosts exist already. Provision checks that each
 * answers over SSH with the cluster key, as root or with passwordless sudo,
 * and records its host key in known_hosts on first contact (printing the
 * fingerprint); afterwards the key must match, or provision refuses.
 */
import { access, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, HostError, RefusedError } from '../../errors.js';
import type { Cluster } from '../../inventory/cluster.js';
import { stderrTail } from '../../engine/text/tail.js';
import { INVENTORY_FILE, writeInventory, type Inventory } from '../../inventory/inventory.js';
import { ensureClusterKey, ensureGitignore, KNOWN_HOSTS_FILE, readKnownHosts, updateKnownHosts, writeSshConfig } from '../clusterFiles.js';
import { fingerprint, showKey, type PublicKey } from '../../ssh/keys.js';
import { keysFor, parseKnownHosts, type KnownKey } from '../../ssh/knownHosts.js';
import type { DeprovisionOptions, DeprovisionResult, HostReport, Platform, ProvisionOptions, ProvisionResult } from '../platform.js';
import { probeSsh, type SshTarget } from '../sshProbe.js';
import { bareTargets, rootCheckCommand } from './targets.js';

const DEFAULT_TIMEOUT_MS = 10_000;

type Checked =
  | { kind: 'ok'; report: HostReport; record?: PublicKey }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

function where(t: SshTarget): string {
  return `host ${t.name} ${t.port === 22 ? t.address : `${t.address}:${t.port}`}`;
}

async function checkHost(t: SshTarget, privateKey: string, keyFile: string, known: KnownKey[], timeoutMs: number): Promise<Checked> {
  const o = await probeSsh(t, { privateKey, knownKeys: known, command: rootCheckCommand(t.user), timeoutMs });
  if (!o.ok) {
    switch (o.reason) {
      case 'hostkey-mismatch':
        return {
          kind: 'refused',
          message: `${where(t)}: host key changed (it presents ${o.hostKey ? showKey(o.hostKey) : 'another key'}, known_hosts has ${known.filter((k) => !k.revoked).map(showKey).join(', ')}): if the host was reinstalled, delete its line from known_hosts and provision again`,
        };
      case 'hostkey-revoked':
        return {
          kind: 'refused',
          message: `${where(t)}: it presents ${o.hostKey ? showKey(o.hostKey) : 'a key'}, marked @revoked in known_hosts: give the host new keys, then replace its line`,
        };
      case 'auth':
        return { kind: 'failed', message: `${where(t)}: key ${keyFile} not accepted for ${t.user}: add ${keyFile}.pub to ~${t.user}/.ssh/authorized_keys there` };
      default:
        return { kind: 'failed', message: `${where(t)}: no SSH answer (${o.message})` };
    }
  }
  if (o.exitCode !== 0) {
    const why = stderrTail(o, 1) || `exit ${o.exitCode}`;
    return { kind: 'failed', message: `${where(t)}: ${t.user} cannot act as root without a password (sudo -n true: ${why})` };
  }
  const first = known.length === 0;
  return {
    kind: 'ok',
    report: { name: t.name, address: t.address, status: first ? 'recorded' : 'unchanged', fingerprint: fingerprint(o.hostKey) },
    record: first ? o.hostKey : undefined,
  };
}

async function provision(cluster: Cluster, opts: ProvisionOptions = {}): Promise<ProvisionResult> {
  const started = Date.now();
  const progress = opts.progress ?? (() => {});
  const { targets, problems } = bareTargets(cluster);
  if (problems.length) throw new ConfigError(problems);

  const changed: string[] = [];
  const key = await ensureClusterKey(cluster);
  if (key.changed) changed.push(`key ${key.privateKeyFile} generated`);
  if (await ensureGitignore(cluster.dir)) changed.push('.gitignore written');
  const privateKey = await readFile(key.privateKeyPath, 'utf8');
  const entries = parseKnownHosts(await readKnownHosts(cluster.dir));

  const checked = await Promise.all(
    targets.map(async (t) => {
      const c = await checkHost(t, privateKey, key.privateKeyFile, keysFor(entries, t.address, t.port), opts.readyTimeoutMs ?? DEFAULT_TIMEOUT_MS);
      if (c.kind === 'ok') {
        const r = c.report;
        progress(`${where(t)}: ${r.status === 'recorded' ? `host key recorded, ${showKey(c.record!)}` : 'unchanged'} (as ${t.user})`);
      } else {
        progress(`${where(t)}: ${c.kind === 'refused' ? 'REFUSED' : 'FAILED'}`);
      }
      return c;
    }),
  );

  // Trust on first contact: keys of the hosts that answered are recorded even if another host failed.
  const toRecord = targets.flatMap((t, i) => {
    const c = checked[i]!;
    return c.kind === 'ok' && c.record ? [{ address: t.address, port: t.port, keys: [c.record] }] : [];
  });
  if (toRecord.length && (await updateKnownHosts(cluster.dir, toRecord))) changed.push('known_hosts updated');

  const refusals = checked.flatMap((c) => (c.kind === 'refused' ? [c.message] : []));
  const failures = checked.flatMap((c) => (c.kind === 'failed' ? [c.message] : []));
  if (refusals.length) throw new RefusedError([...refusals, ...failures].join('\n'));
  if (failures.length) throw new HostError(failures.join('\n'));

  const inventory: Inventory = {
    cluster: cluster.name,
    platform: 'bare',
    privateKeyFile: key.privateKeyFile,
    knownHostsFile: KNOWN_HOSTS_FILE,
    hosts: targets.map((t) => ({ name: t.name, address: t.address, port: t.port, user: t.user })),
  };
  if (await writeInventory(cluster.dir, inventory)) changed.push(`${INVENTORY_FILE} written`);
  if (await writeSshConfig(cluster.dir, inventory)) changed.push('ssh_config written');
  const hosts = checked.flatMap((c) => (c.kind === 'ok' ? [c.report] : []));
  for (const h of hosts) if (h.status !== 'unchanged') changed.push(`host ${h.name} key recorded`);
  return { cluster: cluster.name, platform: 'bare', hosts, changed, warnings: [], inventory, durationMs: Date.now() - started };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Nothing on a bare host belongs to m1 at this point: deprovision only forgets the inventory. */
async function deprovisionPlan(cluster: Cluster): Promise<string[]> {
  return (await exists(join(cluster.dir, INVENTORY_FILE))) ? [INVENTORY_FILE] : [];
}

async function deprovision(cluster: Cluster, opts: DeprovisionOptions = {}): Promise<DeprovisionResult> {
  const started = Date.now();
  const removed = await deprovisionPlan(cluster);
  for (const item of removed) {
    await rm(join(cluster.dir, item), { force: true });
    opts.progress?.(`${item}: removed`);
  }
  return { removed, durationMs: Date.now() - started };
}

export const barePlatform: Platform = { name: 'bare', provision, deprovisionPlan, deprovision };
