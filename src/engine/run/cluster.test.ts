import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RefusedError } from '../../errors.js';
import { connectorsFromInventory } from '../connectors/fromInventory.js';
import { openClusterEngine } from './cluster.js';
import { scratchDir } from '../../../test/support/scratch.js';

const inventory = {
  cluster: 'm1',
  platform: 'docker' as const,
  privateKeyFile: 'id_m1',
  knownHostsFile: 'known_hosts',
  hosts: [
    { name: 'db1', address: '10.33.0.11', port: 22, user: 'root' },
    { name: 'db2', address: '10.33.0.12', port: 2222, user: 'admin' },
  ],
};

describe('cluster engine', () => {
  it('builds one SSH connector per inventory host', () => {
    const c = connectorsFromInventory('/clusters/m1', inventory);
    expect([...c.keys()]).toEqual(['db1', 'db2']);
    expect(c.get('db2')?.host).toBe('db2');
  });
  it('opens on a cluster directory, holding its lock; fails clearly without an inventory', async () => {
    const dir = scratchDir('m1-cluster-');
    await expect(openClusterEngine(dir)).rejects.toThrow(/no inventory; run `m1 provision/);
    writeFileSync(join(dir, 'inventory.json'), JSON.stringify(inventory));
    const engine = await openClusterEngine(dir, { command: 'deploy' });
    await expect(openClusterEngine(dir)).rejects.toBeInstanceOf(RefusedError);
    await engine.close();
  });
});
