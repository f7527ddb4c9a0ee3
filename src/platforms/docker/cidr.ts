/**
 * CIDR blocks as address ranges, for subnet overlap and membership checks
 * against what the Docker engine holds (addresses as numbers: configure's
 * ipToNumber / numberToIp).
 */
import { ipToNumber } from '../../inventory/network.js';

export interface Cidr {
  /** First address, as an unsigned 32-bit number. */
  first: number;
  /** Last address. */
  last: number;
  prefix: number;
}

/** Parses `a.b.c.d/p` (IPv4 only; IPv6 and garbage give undefined). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len] = text.trim().split('/');
  const ip = addr === undefined ? undefined : ipToNumber(addr);
  const prefix = len === undefined ? 32 : Number(len);
  if (ip === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) return undefined;
  const size = 2 ** (32 - prefix);
  const first = ip - (ip % size);
  return { first, last: first + size - 1, prefix };
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function contains(c: Cidr, ip: number): boolean {
  return ip >= c.first && ip <= c.last;
}

/** Docker's default gateway of a subnet: its first host address. */
export function defaultGateway(c: Cidr): number {
  return c.first + 1;
}
