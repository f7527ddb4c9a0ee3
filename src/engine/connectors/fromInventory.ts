/** SSH connectors for every host of a cluster's inventory. */
import { isAbsolute, join } from 'node:path';
import type { Inventory } from '../../inventory/inventory.js';
import { SshConnector, type SshOptions } from './ssh.js';

export function connectorsFromInventory(clusterDir: string, inventory: Inventory, options: SshOptions = {}): Map<string, SshConnector> {
  const abs = (p: string) => (isAbsolute(p) ? p : join(clusterDir, p));
  return new Map(
    inventory.hosts.map((h) => [
      h.name,
      new SshConnector(
        { host: h.name, address: h.address, port: h.port, user: h.user, privateKeyFile: abs(inventory.privateKeyFile), knownHostsFile: abs(inventory.knownHostsFile) },
        options,
      ),
    ]),
  );
}
