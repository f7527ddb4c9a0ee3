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
  // The network's own address (AWS stores 198.51.100.0/24 for 198.51.100.7/24: compared as written, it would differ every provision).
  const n = octets.reduce((a, o) => a * 256 + o, 0);
  const masked = bits === 32 ? n : n - (n % 2 ** (32 - bits));
  return `${[24, 16, 8, 0].map((sh) => Math.floor(masked / 2 ** sh) % 256).join('.')}/${bits}`;
}

/** Bridges and veths of container engines and VMs: never the address a cloud sees. */
const VIRTUAL = /^(docker|br-|veth|virbr|vmnet|vboxnet|bridge|cni|flannel|cali|tun|tap|lxc|lxd)/;

const PRIVATE: [number, number, number][] = [
  [10, 0, 8],
  [172, 16, 12],
  [192, 168, 16],
  [100, 64, 10],
];

function isPrivate(address: string): boolean {
  const [a, b] = address.split('.').map(Number) as [number, number];
  const n = a * 256 + b;
  return PRIVATE.some(([x, y, bits]) => {
    const span = 2 ** (16 - bits);
    const base = x * 256 + y;
    return n >= base && n < base + span;
  });
}

/**
 * This machine's first IPv4 address, as /32, by interface name, leaving out
 * loopback, link-local (169.254/16) and container or VM bridges; undefined
 * when it has none.
 */
export function ownAddressCidr(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string | undefined {
  for (const name of Object.keys(interfaces).sort()) {
    if (VIRTUAL.test(name)) continue;
    const a = (interfaces[name] ?? []).find((x) => x.family === 'IPv4' && !x.internal && !x.address.startsWith('169.254.'));
    if (a) return `${a.address}/32`;
  }
  return undefined;
}

/** The SSH source for an aws cluster and, when m1 chose it, the line that says so. */
export function sshSource(given: string | undefined, own: () => string | undefined = ownAddressCidr): { cidr: string; note?: string } {
  if (given !== undefined) return { cidr: parseSshFrom(given) };
  const cidr = own();
  if (cidr === undefined) throw new UsageError("--platform aws: this machine has no IPv4 address to allow SSH from; pass --ssh-from <the address m1 connects from>");
  const note = isPrivate(cidr)
    ? `cluster_rules allows SSH (22/tcp) from ${cidr}, this machine's own address, a private one: it works from inside the VPC (ec2_instance_reachability: private); from anywhere else configure again with --ssh-from <the public address m1 connects from>`
    : `cluster_rules allows SSH (22/tcp) from ${cidr}, this machine's own address; if the instances see m1 through NAT, configure again with --ssh-from <that public address>`;
  return { cidr, note };
}
