/**
 * Builds Cluster objects for tests without config.yml: an M1-like layout
 * (primary, replica, barman + witness) on a /28 derived from the cluster name,
 * so concurrent suites with distinct names rarely share a subnet.
 */
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster, Instance, Platform, Role } from '../../src/inventory/cluster.js';

export interface TestInstance {
  name: string;
  roles?: Role[];
  upstream?: string;
  backup?: string;
  ipAddress?: string;
  vars?: Record<string, unknown>;
  extra?: Record<string, unknown>;
}

export interface TestClusterOptions {
  name: string;
  /** Default: a temporary directory named after the cluster. */
  dir?: string;
  platform?: Platform;
  /** Default: `<name>-1` primary, `<name>-2` replica, `<name>-3` barman + witness. */
  instances?: TestInstance[];
  /** Number of default instances when `instances` is not given (first primary, last barman + witness). */
  count?: number;
  /** Default: a /28 in 10.200.0.0/16 derived from the name. */
  subnet?: string;
  /** Default m1/debian:bookworm; m1/debian-packages:bookworm has deploy's packages preinstalled. */
  image?: string;
}

/** A /28 inside 10.200.0.0/16, chosen from the name's hash. */
export function subnetFor(name: string): string {
  const h = createHash('sha256').update(name).digest().readUInt16BE(0) % 4096;
  return `10.200.${Math.floor(h / 16)}.${(h % 16) * 16}/28`;
}

/** The nth host address of a /28 (n from 0), skipping network and gateway. */
export function addressIn(subnet: string, n: number): string {
  const [base] = subnet.split('/');
  const parts = base!.split('.').map(Number);
  return `${parts[0]}.${parts[1]}.${parts[2]}.${parts[3]! + 2 + n}`;
}

export function defaultInstances(name: string, count = 3): TestInstance[] {
  return Array.from({ length: count }, (_, i) => {
    const n = `${name}-${i + 1}`;
    if (i === 0) return { name: n, roles: ['primary'] as Role[], backup: count > 2 ? `${name}-${count}` : undefined };
    if (i === count - 1 && count > 2) return { name: n, roles: ['barman', 'log-server', 'witness'] as Role[], upstream: `${name}-1` };
    return { name: n, roles: ['replica'] as Role[], upstream: `${name}-1` };
  });
}

export function testCluster(opts: TestClusterOptions): Cluster {
  const subnet = opts.subnet ?? subnetFor(opts.name);
  const platform = opts.platform ?? 'docker';
  const list = opts.instances ?? defaultInstances(opts.name, opts.count);
  const instances: Instance[] = list.map((t, i) => ({
    name: t.name,
    node: i + 1,
    location: 'main',
    roles: t.roles ?? ['replica'],
    upstream: t.upstream,
    backup: t.backup,
    ipAddress: t.ipAddress ?? (platform === 'docker' ? addressIn(subnet, i) : undefined),
    vars: { ansible_user: 'root', ...(t.vars ?? {}) },
    extra: { ...(t.extra ?? {}) },
  }));
  return {
    dir: opts.dir ?? join(tmpdir(), `m1-test-${opts.name}`),
    name: opts.name,
    architecture: 'M1',
    failoverManager: 'repmgr',
    postgresVersion: 15,
    platform,
    locations: [{ name: 'main', extra: {} }],
    instances,
    clusterVars: { failover_manager: 'repmgr', postgres_version: '15', postgres_flavour: 'postgresql' },
    clusterTags: {},
    instanceDefaults: { platform, image: opts.image ?? 'm1/debian:bookworm', vars: { ansible_user: 'root' } },
    dockerNetwork: platform === 'docker' ? { name: opts.name, subnet } : undefined,
    extra: {},
  };
}

/**
 * A scenario's cluster name, with `M1_E2E_SUFFIX` appended when it is set, so
 * that two checkouts running the same scenario at once do not share
 * containers, networks or cluster directories.
 */
export function e2eClusterName(base: string): string {
  const suffix = process.env['M1_E2E_SUFFIX'] ?? '';
  if (suffix !== '' && !/^[a-z0-9]{1,6}$/.test(suffix)) throw new Error(`M1_E2E_SUFFIX must be 1-6 lowercase letters or digits, not ${JSON.stringify(suffix)}`);
  return suffix === '' ? base : `${base}${suffix}`;
}
