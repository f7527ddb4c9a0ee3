/** inventories/m1/: the example clusters are exactly what configure writes today. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../../../src/packageRoot.js';
import { runCli, tempDir } from './helpers.js';

const EXAMPLES: [string, string[]][] = [
  ['repmgr-docker', ['--failover-manager', 'repmgr', '--platform', 'docker']],
  ['efm-docker', ['--failover-manager', 'efm', '--platform', 'docker']],
  ['patroni-haproxy-docker', ['--failover-manager', 'patroni', '--enable-haproxy', '--platform', 'docker']],
  ['repmgr-pgbouncer-2dc-docker', ['--failover-manager', 'repmgr', '--location-names', 'dc1', 'dc2', '--enable-pgbouncer', '--platform', 'docker']],
  ['repmgr-cascaded-docker', ['--failover-manager', 'repmgr', '--num-cascaded-replicas', '2', '--platform', 'docker']],
];

describe('inventories/m1 examples', () => {
  for (const [name, args] of EXAMPLES) {
    it(name, async () => {
      const dir = join(await tempDir(), name);
      const r = await runCli(['configure', dir, '-a', 'M1', '--postgresql', '15', ...args]);
      expect(r.code).toBe(0);
      const expected = await readFile(join(packageRoot, 'inventories', 'm1', name, 'config.yml'), 'utf8');
      expect(await readFile(join(dir, 'config.yml'), 'utf8')).toBe(expected);
      const v = await runCli(['validate', join(packageRoot, 'inventories', 'm1', name)]);
      expect(v.code).toBe(0);
    });
  }
});
