/**
 * A deployed cluster opened for day-2 commands: config.yml, the inventory,
 * one SSH connection per host (opened on first use), host addresses.
 */
import { loadCluster } from '../../src/config/load.js';
import { connectorsFromInventory, type CommandResult, type Connector } from '../../src/engine/index.js';
import type { Cluster } from '../../src/inventory/cluster.js';
import { readInventory, type Inventory } from '../../src/inventory/inventory.js';

export interface OpenCluster {
  cluster: Cluster;
  inventory: Inventory;
  /** config.yml warnings from loading. */
  configWarnings: string[];
  /** Inventory address of each host, by instance name. */
  addresses: Readonly<Record<string, string>>;
  /** One connection per host; commands on one host run one after another. */
  connectors: Map<string, Connector>;
  /** A second set of connections, opened on first use (for watching while the first set is busy). */
  extraConnectors(): Map<string, Connector>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** Give up connecting to a host after this long (default 5 s: a stopped host must not hold up status). */
  connectTimeoutMs?: number;
}

export async function openCluster(dir: string, options: OpenOptions = {}): Promise<OpenCluster> {
  const { cluster, warnings } = await loadCluster(dir);
  const inventory = await readInventory(cluster.dir);
  const ssh = { connectTimeoutMs: options.connectTimeoutMs ?? 5000, maxReconnects: 1 };
  const connectors = connectorsFromInventory(cluster.dir, inventory, ssh) as Map<string, Connector>;
  let extra: Map<string, Connector> | undefined;
  return {
    cluster,
    inventory,
    configWarnings: warnings,
    addresses: Object.fromEntries(inventory.hosts.map((h) => [h.name, h.address])),
    connectors,
    extraConnectors: () => (extra ??= connectorsFromInventory(cluster.dir, inventory, ssh) as Map<string, Connector>),
    async close() {
      const all = [...connectors.values(), ...(extra?.values() ?? [])];
      await Promise.all(all.map((c) => c.close().catch(() => undefined)));
    },
  };
}

export type Outcome = { ok: true; result: CommandResult } | { ok: false; error: string };

/** Opens the host's connection now; why it could not, or undefined when it is open. */
export async function connectOn(connectors: Map<string, Connector>, host: string): Promise<string | undefined> {
  const c = connectors.get(host);
  if (!c) return `${host} is not in the inventory`;
  try {
    await c.connect();
    return undefined;
  } catch (e) {
    return hostless(host, e);
  }
}

/** An error's message without the host name it starts with (the caller says the host). */
function hostless(host: string, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.startsWith(`${host}: `) ? msg.slice(host.length + 2) : msg;
}

/** Runs a command on a host; an unreachable host or a timeout is an outcome, not an exception. */
export async function runOn(connectors: Map<string, Connector>, host: string, command: string, opts: { stdin?: string; timeoutMs?: number } = {}): Promise<Outcome> {
  const c = connectors.get(host);
  if (!c) return { ok: false, error: `${host} is not in the inventory` };
  try {
    return { ok: true, result: await c.run(command, { stdin: opts.stdin, timeoutMs: opts.timeoutMs ?? 60_000 }) };
  } catch (e) {
    return { ok: false, error: hostless(host, e) };
  }
}
