/**
 * The config.yml files TPA's configure wrote (test/fixtures/tpa-configs/):
 * still what TPA wrote (compared with ../shared/reference when it is beside
 * the repository), loaded by m1 without a problem, and the end-to-end copy
 * left byte for byte as it is unless a suffix keeps concurrent runs apart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/load.js';
import { packageRoot } from '../../../src/packageRoot.js';
import { tpaConfigText, withSuffix, type TpaConfig } from '../../support/tpaConfigs.js';

const FIXTURES: TpaConfig[] = ['repmgr-default', 'patroni-pgbouncer', 'efm-2loc'];
const REFERENCE = join(packageRoot, '..', 'shared', 'reference', 'tpa-configs');

describe.each(FIXTURES)('%s.yml', (name) => {
  it.skipIf(!existsSync(REFERENCE))('is what TPA wrote, unedited', async () => {
    expect(await tpaConfigText(name)).toBe(readFileSync(join(REFERENCE, `${name}.yml`), 'utf8'));
  });

  it("loads without a problem or warning: docker, TPA's image name", async () => {
    const { cluster, warnings } = parseConfig(await tpaConfigText(name), { file: 'config.yml', dir: `/c/${name}` });
    expect(warnings).toEqual([]);
    expect(cluster.platform).toBe('docker');
    expect(cluster.instanceDefaults['image']).toBe('tpa/debian:12');
  });

  it('is copied as it is without a suffix; with one, only names and the subnet move', async () => {
    const text = await tpaConfigText(name);
    expect(withSuffix(text, '')).toBe(text);
    const moved = withSuffix(text, 'zz');
    const { cluster } = parseConfig(moved, { file: 'config.yml', dir: `/c/${name}zz` });
    const original = parseConfig(text, { file: 'config.yml', dir: `/c/${name}` }).cluster;
    expect(cluster.name).toBe(`${name}zz`);
    expect(cluster.dockerNetwork!.name).toBe(`${name}zz`);
    expect(cluster.instances.map((i) => [i.name, i.upstream, i.backup, i.roles])).toEqual(
      original.instances.map((i) => [`${i.name}zz`, i.upstream && `${i.upstream}zz`, i.backup && `${i.backup}zz`, i.roles]),
    );
    expect(cluster.dockerNetwork!.subnet).toMatch(/^10\.201\.\d+\.\d+\/28$/);
    expect((parse(moved) as { instance_defaults: unknown }).instance_defaults).toEqual((parse(text) as { instance_defaults: unknown }).instance_defaults);
  });
});
