/** IPv4 addresses and CIDR blocks, for subnet overlap and membership checks. */

export interface Cidr {
  /** First address, as an unsigned 32-bit number. */
  first: number;
  /** Last address. */
  last: number;
  prefix: number;
}

export function parseIpv4(text: string): number | undefined {
  const parts = text.trim().split('.');
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

export function formatIpv4(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Parses `a.b.c.d/p` (IPv4 only; IPv6 and garbage give undefined). */
export function parseCidr(text: string): Cidr | undefined {
  const [addr, len] = text.trim().split('/');
  const ip = addr === undefined ? undefined : parseIpv4(addr);
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
