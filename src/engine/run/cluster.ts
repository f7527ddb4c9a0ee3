/**
 * The usual way in for commands: an engine for a provisioned cluster
 * directory (its inventory, key, known_hosts, lock and logs).
 */
import { readInventory } from '../../inventory/inventory.js';
import { connectorsFromInventory } from '../connectors/fromInventory.js';
import type { SshOptions } from '../connectors/ssh.js';
import { Engine, type EngineOptions } from './engine.js';

export interface ClusterEngineOptions extends Omit<EngineOptions, 'connectors' | 'clusterDir'> {
  ssh?: SshOptions;
}

/** Reads <clusterDir>/inventory.json and opens an engine on its hosts, holding the cluster lock. */
export async function openClusterEngine(clusterDir: string, options: ClusterEngineOptions = {}): Promise<Engine> {
  const inventory = await readInventory(clusterDir);
  const { ssh, ...rest } = options;
  return Engine.open({ ...rest, clusterDir, connectors: connectorsFromInventory(clusterDir, inventory, ssh) });
}
