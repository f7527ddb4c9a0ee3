/**
 * The keys config.yml may hold (reference sections 2.7, 3). Unknown keys at
 * the top level or in an instance are errors. Variables (cluster_vars, an
 * instance's vars) are declared in variables.ts.
 */

import { AWS_INSTANCE_KEYS, DOCKER_INSTANCE_KEYS } from './platformKeys.js';

/** Top-level keys, in the order TPA writes them (reference 2.7). */
export const TOP_LEVEL_ORDER = [
  'architecture',
  'cluster_name',
  'cluster_tags',
  'keyring_backend',
  'vault_name',
  'compliance',
  'use_ssh_agent',
  'forward_ssh_agent',
  'ansible_tower',
  'docker_networks',
  'docker_images',
  'cluster_rules',
  'ec2_ami',
  'ec2_ami_user',
  'ec2_instance_reachability',
  'ec2_vpc',
  'ec2_vpc_subnets',
  'cluster_vars',
  'locations',
  'instance_defaults',
  'instances',
] as const;

export const TOP_LEVEL_KEYS: ReadonlySet<string> = new Set(TOP_LEVEL_ORDER);

/** Keys an instance may carry (TPA's provision checks, plus the docker and aws extras). */
export const INSTANCE_KEYS: ReadonlySet<string> = new Set([
  'Name',
  'node',
  'location',
  'role',
  'upstream',
  'backup',
  'vars',
  'ip_address',
  'public_ip',
  'private_ip',
  'ansible_host',
  'platform',
  'tags',
  'volumes',
  'provision_only',
  // docker and aws: each honoured or rejected by name (platformKeys.ts)
  ...Object.keys(DOCKER_INSTANCE_KEYS),
  ...AWS_INSTANCE_KEYS,
]);

/** instance_defaults may set any instance key except the per-instance identity. */
export const INSTANCE_DEFAULTS_KEYS: ReadonlySet<string> = new Set(
  [...INSTANCE_KEYS].filter((k) => !['Name', 'node', 'upstream', 'backup', 'ip_address'].includes(k)),
);

export const LOCATION_KEYS: ReadonlySet<string> = new Set(['Name', 'region', 'az', 'subnet']);

/** Roles TPA knows but m1 does not implement: named so the error can say so. */
export const UNSUPPORTED_ROLES: ReadonlySet<string> = new Set([
  'pem-agent',
  'pem-server',
  'beacon-agent',
  'monitoring-server',
  'openvpn-server',
  'bdr',
  'pgd-proxy',
  'harp-proxy',
  'efm-witness',
  'postgres',
]);
