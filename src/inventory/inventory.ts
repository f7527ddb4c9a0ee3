/**
 * The inventory: how to reach each host of a provisioned cluster. Written by
 * `m1 provision` to <cluster-dir>/inventory.json, read by every command that
 * connects. Paths inside are relative to the cluster directory.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { M1Error } from '../errors.js';
import { ExitCode } from '../exitCodes.js';
import type { Platform } from './cluster.js';
import { writeFileAtomic } from './localFiles.js';

export const INVENTORY_FILE = 'inventory.json';

export interface InventoryHost {
  /** Instance Name. */
  name: string;
  /** Address to connect to (IP or DNS name). */
  address: string;
  port: number;
  /** Login user: root, or a user with passwordless sudo. */
  user: string;
}

export interface Inventory {
  cluster: string;
  platform: Platform;
  /** Private key file, relative to the cluster directory (id_<cluster>). */
  privateKeyFile: string;
  /** known_hosts file checked strictly on every connection, relative to the cluster directory. */
  knownHostsFile: string;
  hosts: InventoryHost[];
}

export async function readInventory(clusterDir: string): Promise<Inventory> {
  const path = join(clusterDir, INVENTORY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new M1Error(`${path}: no inventory; run \`m1 provision ${clusterDir}\` first`, ExitCode.BadInput);
  }
  return JSON.parse(text) as Inventory;
}

/**
 * Writes <cluster-dir>/inventory.json (temporary file, then rename); true when
 * the content changed.
 */
export async function writeInventory(clusterDir: string, inventory: Inventory): Promise<boolean> {
  const path = join(clusterDir, INVENTORY_FILE);
  const text = JSON.stringify(inventory, null, 2) + '\n';
  let current: string | undefined;
  try {
    current = await readFile(path, 'utf8');
  } catch {
    current = undefined;
  }
  if (current === text) return false;
  await writeFileAtomic(path, text, { mode: 0o644 });
  return true;
}
