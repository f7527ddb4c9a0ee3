import { describe, expect, it } from 'vitest';
import { testCluster } from '../../../test/support/testCluster.js';
import { containerSpec } from './containerSpec.js';
import { LABEL_CLUSTER, LABEL_CLUSTER_DIR, LABEL_SETTINGS } from './labels.js';
import { planDocker, type ObservedContainer, type ObservedNetwork } from './plan.js';

const cluster = testCluster({ name: 'pl', dir: '/c/pl', subnet: '10.9.0.16/28' });
const ours = { [LABEL_CLUSTER]: 'pl', [LABEL_CLUSTER_DIR]: '/c/pl' };
const bridge: ObservedNetwork = { id: 'b', name: 'bridge', labels: {}, subnets: ['172.17.0.0/16'] };
const ourNet: ObservedNetwork = { id: 'n', name: 'pl', labels: ours, subnets: ['10.9.0.16/28'] };

function container(name: string, over: Partial<ObservedContainer> = {}): ObservedContainer {
  const i = cluster.instances.find((x) => x.name === name);
  return { id: `id-${name}`, name, state: 'running', image: 'm1/debian:bookworm', labels: ours, addresses: { pl: i?.ipAddress ?? '10.9.0.30' }, ...over };
}

describe('planDocker', () => {
  it('creates the network and every container on an empty engine', () => {
    const o = planDocker(cluster, [], [bridge]);
    expect(o.ok).toBe(true);
    if (!o.ok) return;
    expect(o.plan.network).toEqual({ name: 'pl', subnet: '10.9.0.16/28', driverOptions: {}, action: 'create' });
    expect(o.plan.containers.map((s) => [s.instance.name, s.action])).toEqual([
      ['pl-1', 'create'],
      ['pl-2', 'create'],
      ['pl-3', 'create'],
    ]);
  });

  it('keeps what matches, starts what is stopped, creates what is new', () => {
    const o = planDocker(cluster, [container('pl-1'), container('pl-2', { state: 'exited' })], [bridge, ourNet]);
    if (!o.ok) throw new Error(o.refusals.join());
    expect(o.plan.network.action).toBe('keep');
    expect(o.plan.containers.map((s) => s.action)).toEqual(['keep', 'start', 'create']);
    expect(o.plan.containers[1]!.id).toBe('id-pl-2');
  });

  it('refuses a container of the same name that is not this cluster', () => {
    const foreign = container('pl-2', { labels: {} });
    const other = container('pl-3', { labels: { [LABEL_CLUSTER]: 'pl', [LABEL_CLUSTER_DIR]: '/elsewhere' } });
    const o = planDocker(cluster, [foreign, other], [bridge]);
    expect(o.ok).toBe(false);
    if (o.ok) return;
    expect(o.refusals).toHaveLength(2);
    expect(o.refusals[0]).toMatch(/^container pl-2 already exists and it is not labelled as an m1 cluster/);
    expect(o.refusals[1]).toMatch(/container pl-3 .* belongs to m1 cluster pl \(\/elsewhere\)/);
  });

  it('refuses a foreign network of the same name, and one overlapping the subnet', () => {
    const o = planDocker(
      cluster,
      [],
      [
        { id: 'x', name: 'pl', labels: {}, subnets: ['10.50.0.0/24'] },
        { id: 'y', name: 'big', labels: {}, subnets: ['10.9.0.0/24'] },
        { id: 'z', name: 'v6', labels: {}, subnets: ['fd00::/64'] },
      ],
    );
    if (o.ok) throw new Error('expected refusal');
    expect(o.refusals).toEqual([
      expect.stringMatching(/^network pl already exists and it is not labelled/),
      expect.stringMatching(/^network big \(10\.9\.0\.0\/24\) overlaps the cluster's subnet 10\.9\.0\.16\/28/),
    ]);
  });

  it('refuses our network with another subnet and our container with another address', () => {
    const o = planDocker(cluster, [container('pl-1', { addresses: { pl: '10.9.0.29' } })], [{ ...ourNet, subnets: ['10.9.0.32/28'] }]);
    if (o.ok) throw new Error('expected refusal');
    expect(o.refusals[0]).toMatch(/network pl has subnet 10\.9\.0\.32\/28 but config.yml says 10\.9\.0\.16\/28/);
    expect(o.refusals[1]).toMatch(/container pl-1 has address 10\.9\.0\.29 but config.yml says 10\.9\.0\.18/);
  });

  it('leaves a container dropped from config.yml, unless it holds a wanted address', () => {
    const ok = planDocker(cluster, [container('pl-9', { addresses: { pl: '10.9.0.29' } })], [ourNet]);
    if (!ok.ok) throw new Error(ok.refusals.join());
    expect(ok.plan.strays.map((s) => s.name)).toEqual(['pl-9']);
    expect(ok.plan.warnings[0]).toMatch(/pl-9 is labelled with this cluster but not in config.yml/);
    const clash = planDocker(cluster, [container('pl-9', { addresses: { pl: '10.9.0.19' } })], [ourNet]);
    if (clash.ok) throw new Error('expected refusal');
    expect(clash.refusals[0]).toMatch(/pl-9 .* holds 10\.9\.0\.19, which config.yml gives to pl-2/);
  });

  it('reports config problems: no network, address outside the subnet, the gateway, duplicates', () => {
    const none = planDocker({ ...cluster, dockerNetwork: undefined }, [], []);
    if (none.ok) throw new Error('expected problems');
    expect(none.problems[0]!.path).toBe('docker_networks');
    const bad = testCluster({
      name: 'pl',
      subnet: '10.9.0.16/28',
      instances: [
        { name: 'a', ipAddress: '10.9.0.40' },
        { name: 'b', ipAddress: '10.9.0.17' },
        { name: 'c', ipAddress: '10.9.0.20' },
        { name: 'd', ipAddress: '10.9.0.20' },
      ],
    });
    const o = planDocker(bad, [], []);
    if (o.ok) throw new Error('expected problems');
    expect(o.problems.map((p) => p.path)).toEqual(['instances[0].ip_address', 'instances[1].ip_address', 'instances[3].ip_address']);
    expect(o.problems[1]!.message).toMatch(/gateway/);
  });

  it("runs m1's image for TPA's Debian names and says so once; refuses TPA's other names where they are written", () => {
    const tpa = { ...cluster, instanceDefaults: { ...cluster.instanceDefaults, image: 'tpa/debian:12' } };
    const o = planDocker(tpa, [], [bridge]);
    if (!o.ok) throw new Error(o.refusals.join());
    expect(o.plan.containers.map((s) => s.image)).toEqual(['m1/debian:bookworm', 'm1/debian:bookworm', 'm1/debian:bookworm']);
    expect(o.plan.imageNotes).toEqual([expect.stringMatching(/^image tpa\/debian:12 is TPA's Debian 12: m1 runs m1\/debian:bookworm/)]);
    const packages = planDocker(tpa, [], [bridge], { debianRepository: 'm1/debian-packages' });
    if (!packages.ok) throw new Error(packages.refusals.join());
    expect(packages.plan.containers[0]!.image).toBe('m1/debian-packages:bookworm');
    // an existing container running the mapped image is kept without a warning
    const again = planDocker(tpa, cluster.instances.map((i) => container(i.name)), [bridge, ourNet]);
    if (!again.ok) throw new Error(again.refusals.join());
    expect(again.plan.warnings).toEqual([]);
    expect(again.plan.containers.map((s) => s.action)).toEqual(['keep', 'keep', 'keep']);
    const other = planDocker(tpa, [container('pl-1', { image: 'm1/debian:trixie' })], [bridge, ourNet]);
    if (!other.ok) throw new Error(other.refusals.join());
    expect(other.plan.warnings).toEqual(['container pl-1 runs image m1/debian:trixie, config.yml says tpa/debian:12 (m1/debian:bookworm): kept (deprovision and provision again to change it)']);

    const rocky = { ...cluster, instanceDefaults: { image: 'tpa/rocky:9' }, instances: cluster.instances.map((i, n) => (n === 1 ? { ...i, extra: { image: 'tpa/debian:10' } } : i)) };
    const refused = planDocker(rocky, [], [bridge]);
    if (refused.ok) throw new Error('expected problems');
    expect(refused.problems.map((p) => [p.file, p.path])).toEqual([
      ['config.yml', 'instance_defaults.image'],
      ['config.yml', 'instances[1].image'],
    ]);
    expect(refused.problems[0]!.message).toMatch(/tpa\/rocky:9 is TPA's Rocky Linux image; m1 deploys Debian hosts only: write image: tpa\/debian:12/);
  });

  it('warns, and keeps the container, when config.yml now gives it other docker settings than it was made with', () => {
    const made = (name: string, c = cluster) => containerSpec(c, c.instances.find((i) => i.name === name)!, 'm1/debian:bookworm').Labels!;
    const same = planDocker(cluster, [container('pl-1', { labels: made('pl-1') }), container('pl-2')], [ourNet]);
    if (!same.ok) throw new Error(same.refusals.join());
    expect(same.plan.warnings).toEqual([]);
    const bigger = { ...cluster, instanceDefaults: { ...cluster.instanceDefaults, memory: '2g' } };
    const o = planDocker(bigger, [container('pl-1', { labels: made('pl-1') }), container('pl-2')], [ourNet]);
    if (!o.ok) throw new Error(o.refusals.join());
    expect(o.plan.warnings).toEqual([
      'container pl-1 was created with other docker settings than config.yml gives it now: kept (deprovision and provision again to apply them)',
      'container pl-2 was created with other docker settings than config.yml gives it now: kept (deprovision and provision again to apply them)',
    ]);
    expect(o.plan.containers.map((s) => s.action)).toEqual(['keep', 'keep', 'create']);
    expect(made('pl-1', bigger)[LABEL_SETTINGS]).not.toBe(made('pl-1')[LABEL_SETTINGS]);
  });
});
