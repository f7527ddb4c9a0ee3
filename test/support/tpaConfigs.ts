/**
 * config.yml files written by TPA's own configure (test/fixtures/tpa-configs/),
 * put in a cluster directory as they are and provisioned as `m1 provision`
 * does, as a TPA user would.
 *
 * The files name their hosts (kaboom, kaftan...) and their subnet; container
 * names are the engine's, so two runs sharing one engine would clash. Only
 * when M1_E2E_SUFFIX is set does the copy carry the suffix in its cluster,
 * network and host names, and a subnet derived from the suffix; without it
 * (CI) the file is copied byte for byte.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadCluster } from '../../src/config/load.js';
import { readInventory } from '../../src/inventory/inventory.js';
import { packageRoot } from '../../src/packageRoot.js';
import { platformFor, provisionClusterDir } from '../../src/platforms/index.js';
import { sshRun, type ProvisionedTestCluster } from './provisioned.js';

export type TpaConfig = 'repmgr-default' | 'patroni-pgbouncer' | 'efm-2loc';

const FIXTURES = join(packageRoot, 'test', 'fixtures', 'tpa-configs');

/** The fixture's text as TPA wrote it. */
export function tpaConfigText(name: TpaConfig): Promise<string> {
  return readFile(join(FIXTURES, `${name}.yml`), 'utf8');
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The text with `suffix` on the cluster name, the network name and every
 * host name, and the subnet's first three octets replaced by ones derived
 * from the suffix; the text unchanged when there is no suffix.
 */
export function withSuffix(text: string, suffix: string): string {
  if (suffix === '') return text;
  const doc = parse(text) as { cluster_name: string; docker_networks: { name: string; ipam_config: { subnet: string }[] }[]; instances: { Name: string }[] };
  const names = new Set([doc.cluster_name, doc.docker_networks[0]!.name, ...doc.instances.map((i) => i.Name)]);
  let out = text;
  for (const n of names) out = out.replace(new RegExp(`(?<![\\w.-])${escape(n)}(?![\\w.-])`, 'g'), `${n}${suffix}`);
  const prefix = doc.docker_networks[0]!.ipam_config[0]!.subnet.split('.').slice(0, 3).join('.');
  const h = createHash('sha256').update(`${suffix} ${doc.cluster_name}`).digest();
  return out.replaceAll(`${prefix}.`, `10.201.${h[0]!}.`);
}

export interface TpaTestCluster extends ProvisionedTestCluster {
  /** The lines provision printed (what `m1 provision` writes to stdout). */
  provisionLines: string[];
}

/**
 * Copies a fixture into <tmp>/m1-test-tpa/<cluster name>/config.yml (an
 * earlier run's cluster deprovisioned first) and provisions it as `m1
 * provision` does.
 */
export async function provisionTpaConfig(name: TpaConfig): Promise<TpaTestCluster> {
  const text = withSuffix(await tpaConfigText(name), process.env['M1_E2E_SUFFIX'] ?? '');
  const clusterName = (parse(text) as { cluster_name: string }).cluster_name;
  const dir = join(tmpdir(), 'm1-test-tpa', clusterName);
  const configFile = join(dir, 'config.yml');
  const present = await access(configFile).then(
    () => true,
    () => false,
  );
  if (present) {
    const { cluster } = await loadCluster(dir);
    await platformFor(cluster).deprovision(cluster);
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(configFile, text);
  const provisionLines: string[] = [];
  const result = await provisionClusterDir(dir, { progress: (line) => provisionLines.push(line) });
  const { cluster } = await loadCluster(dir);
  const inventory = await readInventory(dir);
  return {
    cluster,
    dir,
    inventory,
    result,
    provisionLines,
    ssh: (host, command, input) => sshRun(dir, inventory, host, command, input),
    teardown: async () => {
      await platformFor(cluster).deprovision(cluster);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
