/**
 * IPv4 subnet arithmetic for configure: pick a cluster's subnet inside
 * --network and give each instance an address, as TPA does (reference 3.3):
 * the smallest of /28../24 that fits, the first host address is the gateway.
 */
import { createHash } from 'node:crypto';
import { UsageError } from '../errors.js';

export interface Cidr {
  /** Network address as an unsigned 32-bit number. */
  base: number;
  prefix: number;
}

export function ipToNumber(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

export function numberToIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function formatCidr(c: Cidr): string {
  return `${numberToIp(c.base)}/${c.prefix}`;
}

/** Parses "a.b.c.d/p"; undefined if malformed. Does not require a network address. */
export function parseCidrLoose(s: string): { address: number; prefix: number } | undefined {
  const m = /^([0-9.]+)\/(\d{1,2})$/.exec(s.trim());
  if (!m) return undefined;
  const address = ipToNumber(m[1]!);
  const prefix = Number(m[2]);
  if (address === undefined || prefix > 32) return undefined;
  return { address, prefix };
}

function blockSize(prefix: number): number {
  return 2 ** (32 - prefix);
}

/** The network address of `address` within a /prefix. */
function networkOf(address: number, prefix: number): number {
  const size = blockSize(prefix);
  return Math.floor(address / size) * size;
}

/** Parses --network: must be a network address (host bits zero). */
export function parseNetworkOption(option: string, value: string): Cidr {
  const c = parseCidrLoose(value);
  if (!c) throw new UsageError(`${option} ${value}: not an IPv4 network; use a CIDR such as 10.33.0.0/16`);
  const base = networkOf(c.address, c.prefix);
  if (base !== c.address) {
    throw new UsageError(
      `${option} ${value}: ${numberToIp(c.address)} is a host address, not a network address; use ${numberToIp(base)}/${c.prefix}`,
    );
  }
  return { base, prefix: c.prefix };
}

/** Whether `ip` lies inside `cidr`. */
export function contains(cidr: Cidr, ip: string): boolean {
  const n = ipToNumber(ip);
  return n !== undefined && n >= cidr.base && n < cidr.base + blockSize(cidr.prefix);
}

/** Usable host addresses of a subnet (network, gateway and broadcast excluded). */
export function hostCapacity(prefix: number): number {
  return Math.max(0, blockSize(prefix) - 3);
}

/** TPA's docker sizing: the smallest of /28, /27, /26, /25, /24 that holds `hosts`. */
export function subnetPrefixFor(hosts: number): number | undefined {
  for (let p = 28; p >= 24; p--) if (hostCapacity(p) >= hosts) return p;
  return undefined;
}

/** A stable number from a cluster name, so that re-running configure gives the same subnet. */
export function nameHash(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0);
}

/**
 * The subnets of `network` for one cluster: `count` consecutive /prefix blocks
 * starting at a position derived from the cluster name (or at the start when
 * not shuffling, as TPA's --no-shuffle-subnets does), wrapping around.
 */
export function chooseSubnets(network: Cidr, prefix: number, clusterName: string, count: number, shuffle: boolean): Cidr[] {
  const total = 2 ** (prefix - network.prefix);
  if (prefix < network.prefix || total < count) {
    throw new UsageError(
      `--network ${formatCidr(network)} cannot contain ${count} /${prefix} subnet${count === 1 ? '' : 's'}; ` +
        `use a larger --network or a --subnet-prefix between ${network.prefix} and 30`,
    );
  }
  const start = shuffle ? nameHash(clusterName) % total : 0;
  const size = blockSize(prefix);
  return Array.from({ length: count }, (_, i) => ({ base: network.base + ((start + i) % total) * size, prefix }));
}

/** The gateway docker gives a user-defined network: the first host address. */
export function gatewayOf(subnet: Cidr): string {
  return numberToIp(subnet.base + 1);
}

/** `count` static addresses for instances: after the gateway, before the broadcast address. */
export function hostAddresses(subnet: Cidr, count: number): string[] {
  if (count > hostCapacity(subnet.prefix)) {
    throw new UsageError(
      `The subnet '${formatCidr(subnet)}' is too small for the specified cluster (${count} instances); ` +
        `use --subnet-prefix ${subnetPrefixFor(count) ?? 23} or less to specify a larger subnet`,
    );
  }
  return Array.from({ length: count }, (_, i) => numberToIp(subnet.base + 2 + i));
}
