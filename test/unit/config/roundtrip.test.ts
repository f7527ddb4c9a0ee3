/**
 * Round trips: configure -> load -> write -> load gives the same model (and
 * the same text); a TPA-written config loaded and written back is TPA's text.
 */
import { readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configureClusterDir } from '../../../src/architectures/configure.js';
import type { RawConfigureOptions } from '../../../src/architectures/options.js';
import { loadCluster } from '../../../src/config/load.js';
import { clusterToDocument, renderConfig, writeConfig } from '../../../src/config/write.js';
import type { Cluster } from '../../../src/inventory/cluster.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { tempDir } from '../configure/helpers.js';

const TPA_DIR = join(packageRoot, 'inventories', 'tpa');
const base: RawConfigureOptions = { architecture: 'M1', postgresql: '16', failoverManager: 'repmgr' };

const OPTION_SETS: [string, RawConfigureOptions][] = [
  ['repmgr on docker', { ...base, platform: 'docker' }],
  ['efm, two locations, cascaded', { ...base, failoverManager: 'efm', platform: 'docker', locationNames: ['a', 'b'], numCascadedReplicas: '2', efmBindByHostname: true }],
  ['patroni + haproxy', { ...base, postgresql: '17', failoverManager: 'patroni', enableHaproxy: true, platform: 'docker', osVersion: '13' }],
  ['witness-only location + pgbouncer on bare', { ...base, platform: 'bare', locationNames: ['dc1', 'dc2', 'dc3'], witnessOnlyLocation: 'dc3', enablePgbouncer: true }],
  ['aws with volumes', { ...base, platform: 'aws', region: 'us-east-1', barmanVolumeSize: '100', keyringBackend: 'legacy' }],
];

const withoutDir = (c: Cluster) => ({ ...c, dir: '' });

describe('configure -> load -> write -> load', () => {
  for (const [what, options] of OPTION_SETS) {
    it(what, async () => {
      const parent = await tempDir();
      const first = join(parent, 'rt');
      const { file } = await configureClusterDir(first, options);
      const loaded = await loadCluster(first);
      const second = join(parent, 'copy', 'rt');
      await writeConfig(second, loaded.cluster);
      const reloaded = await loadCluster(second);
      expect(withoutDir(reloaded.cluster)).toEqual(withoutDir(loaded.cluster));
      expect(reloaded.warnings).toEqual([]);
      expect(await readFile(join(second, 'config.yml'), 'utf8')).toBe(await readFile(file, 'utf8'));
    });
  }
});

describe('TPA-written configs survive load + write unchanged', () => {
  for (const name of readdirSync(TPA_DIR, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name)) {
    it(name, async () => {
      const text = await readFile(join(TPA_DIR, name, 'config.yml'), 'utf8');
      const { cluster } = await loadCluster(join(TPA_DIR, name));
      expect(renderConfig(clusterToDocument(cluster))).toBe(text);
    });
  }
});

describe('writeConfig', () => {
  it('never replaces a config.yml unless asked, and then atomically', async () => {
    const dir = await tempDir();
    const { cluster } = await loadCluster(join(TPA_DIR, 'repmgr1'));
    await writeFile(join(dir, 'config.yml'), 'mine\n');
    await expect(writeConfig(dir, cluster)).rejects.toThrow(/config\.yml already exists; m1 never overwrites a config\.yml/);
    expect(await readFile(join(dir, 'config.yml'), 'utf8')).toBe('mine\n');
    const moved = { ...cluster, instances: cluster.instances.map((i) => (i.name === 'quarto' ? { ...i, ipAddress: '10.33.48.230' } : i)) };
    await writeConfig(dir, moved, { overwrite: true });
    const reloaded = await loadCluster(dir);
    expect(reloaded.cluster.instances[2]!.ipAddress).toBe('10.33.48.230');
  });

  it('a model built in code (no ownVars) writes only what differs from instance_defaults', async () => {
    const { cluster } = await loadCluster(join(TPA_DIR, 'repmgr1'));
    const built: Cluster = {
      ...cluster,
      instances: cluster.instances.map(({ ownVars: _o, ...i }) => (i.name === 'quack' ? { ...i, vars: { ...i.vars, repmgr_priority: 50 } } : i)),
    };
    const doc = clusterToDocument(built);
    expect(doc.instances.map((i) => i.vars)).toEqual([undefined, { repmgr_priority: 50 }, undefined]);
  });

  it('the model\'s typed fields win over stale cluster_vars', async () => {
    const { cluster } = await loadCluster(join(TPA_DIR, 'repmgr1'));
    const doc = clusterToDocument({ ...cluster, failoverManager: 'efm', postgresVersion: 17, platform: 'bare' });
    expect(doc.cluster_vars).toMatchObject({ failover_manager: 'efm', postgres_version: '17' });
    expect(doc.instance_defaults.platform).toBe('bare');
  });
});
