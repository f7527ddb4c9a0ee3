/**
 * Where SSH to an aws cluster is allowed from: the first cluster_rules entry
 * configure writes. TPA writes 0.0.0.0/0 (the whole internet); m1 writes one
 * address, the one given with --ssh-from, else this machine's own, and says
 * which (behind NAT the instances see another address: pass that one).
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { UsageError } from '../errors.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

/** `a.b.c.d` or `a.b.c.d/n` as a CIDR (a bare address is /32); a usage error otherwise. */
export function parseSshFrom(value: string): string {
  const m = IPV4.exec(value.trim());
  const octets = m ? m.slice(1, 5).map(Number) : [];
  const bits = m?.[5] === undefined ? 32 : Number(m[5]);
  if (!m || octets.some((o) => o > 255) || bits > 32) {
    throw new UsageError(`--ssh-from ${value}: not an IPv4 address or CIDR; give the address m1 connects from, e.g. 203.0.113.7 or 203.0.113.0/24`);
  }
  if (bits === 0) throw new UsageError(`--ssh-from ${value}: opens SSH to the whole internet; give the address m1 connects from, e.g. 203.0.113.7`);
  return `${octets.join('.')}/${bits}`;
}

/** This machine's first IPv4 address that is not loopback, as /32; undefined when it has none. */
export function ownAddressCidr(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string | undefined {
  for (const name of Object.keys(interfaces).sort()) {
    const a = (interfaces[name] ?? []).find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return `${a.address}/32`;
  }
  return undefined;
}

/** The SSH source for an aws cluster and, when m1 chose it, the line that says so. */
export function sshSource(given: string | undefined, own: () => string | undefined = ownAddressCidr): { cidr: string; note?: string } {
  if (given !== undefined) return { cidr: parseSshFrom(given) };
  const cidr = own();
  if (cidr === undefined) throw new UsageError("--platform aws: this machine has no IPv4 address to allow SSH from; pass --ssh-from <the address m1 connects from>");
  return {
    cidr,
    note: `cluster_rules allows SSH (22/tcp) from ${cidr}, this machine's own address; if the instances see m1 through NAT, configure again with --ssh-from <that public address>`,
  };
}
