import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { configureClusterDir } from '../../../../src/architectures/configure.js';
import { deployCluster } from '../../../../playbooks/deploy/deploy.js';
import { UsageError } from '../../../../src/errors.js';
import { TOKEN_VARIABLE } from '../../../../src/products/efm/tokenGate.js';

let root: string | undefined;
afterEach(async () => {
  if (root) await rm(root, { recursive: true, force: true });
  root = undefined;
});

async function efmClusterDir(platform: 'docker'): Promise<string> {
  root = await mkdtemp(join(tmpdir(), 'm1-efm-gate-'));
  const dir = join(root, 'efmgate');
  await configureClusterDir(dir, { architecture: 'M1', platform, postgresql: '15', failoverManager: 'efm', git: false });
  return dir;
}

describe('m1 deploy of an EFM cluster without EDB_SUBSCRIPTION_TOKEN', () => {
  it('stops with exit 2 before provisioning: nothing is written to the cluster directory', async () => {
    const dir = await efmClusterDir('docker');
    const before = (await readdir(dir)).sort();
    let out = '';
    const error = await deployCluster(dir, { env: {}, write: (t) => void (out += t) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(`set ${TOKEN_VARIABLE}`);
    expect((error as Error).message.split('\n')).toHaveLength(1);
    // no inventory, keys, lock or run log: provision never ran
    expect((await readdir(dir)).sort()).toEqual(before);
    expect(out).not.toMatch(/provision:/);
  });

  it('goes past the gate with --skip-packages efm (and says what it leaves out)', async () => {
    // Check mode provisions nothing: with no inventory yet it stops after the gate, touching no host.
    const dir = await efmClusterDir('docker');
    let out = '';
    const error = await deployCluster(dir, { env: {}, check: true, skipPackages: ['efm'], write: (t) => void (out += t) }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(String(error)).not.toContain(TOKEN_VARIABLE);
    expect(String(error)).toMatch(/inventory/i);
    expect(out).toMatch(/--skip-packages efm: db\.password\.encrypted left out/);
  });
});
