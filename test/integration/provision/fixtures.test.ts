/**
 * The fixture other suites use: configure + provision, reused on a rerun, torn down cleanly.
 */
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { provisionConfiguredCluster, removeTestClusters, type ProvisionedTestCluster } from '../../support/provisioned.js';

const docker = new Docker();

describe('provisionConfiguredCluster', () => {
  let c: ProvisionedTestCluster | undefined;
  afterAll(async () => {
    await removeTestClusters('m1provf');
  });

  it('configures and provisions; a second call reuses the same containers; teardown removes them', async () => {
    c = await provisionConfiguredCluster({ name: 'm1provf', configure: { postgresql: '15', failoverManager: 'repmgr' }, fresh: true });
    expect(c.cluster.name).toBe('m1provf');
    expect(c.cluster.instances.map((i) => i.roles[0])).toEqual(['primary', 'replica', 'barman']);
    const answers = await Promise.all(c.inventory.hosts.map((h) => c!.ssh(h.name, 'hostname')));
    expect(answers.map((a) => a.stdout.trim())).toEqual(c.cluster.instances.map((i) => i.name));

    const again = await provisionConfiguredCluster({ name: 'm1provf' });
    expect(again.result.changed).toEqual([]);
    expect(again.inventory).toEqual(c.inventory);

    await again.teardown();
    const left = await docker.listContainers({ all: true, filters: { label: ['m1.cluster=m1provf'] } });
    expect(left).toEqual([]);
  });
});
