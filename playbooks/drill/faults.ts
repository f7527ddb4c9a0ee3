/**
 * The shell commands that cause and undo a drill's faults on a host (run as
 * root over the host's SSH connection). Pure builders.
 *
 * A partition cuts the host off from every other host of the cluster while
 * the control node's SSH stays open (the drill keeps sampling the isolated
 * node through it): a host firewall, nftables where `nft` is installed, else
 * iptables, else blackhole routes (iproute2, on every Linux host): packets to
 * the other hosts are dropped, so their connections to it time out as on a
 * cut cable. The command prints `m1:method=<nftables|iptables|ip-route>`.
 */
import { quote } from '../../src/engine/index.js';

export type PartitionMethod = 'nftables' | 'iptables' | 'ip-route';

const TABLE = 'm1_drill';
const CHAIN = 'M1_DRILL';

/** Addresses as IPv4 literals only: they go into firewall rules. */
function checked(addresses: readonly string[]): string[] {
  const out = [...new Set(addresses)];
  for (const a of out) if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(a)) throw new TypeError(`partition: ${JSON.stringify(a)} is not an IPv4 address`);
  if (out.length === 0) throw new TypeError('partition: no address to cut off');
  return out;
}

export function nftablesCommands(addresses: readonly string[]): string[] {
  const set = `{ ${checked(addresses).join(', ')} }`;
  return [
    `nft add table inet ${TABLE}`,
    `nft ${quote(`add chain inet ${TABLE} input { type filter hook input priority -10 ; policy accept ; }`)}`,
    `nft ${quote(`add chain inet ${TABLE} output { type filter hook output priority -10 ; policy accept ; }`)}`,
    `nft ${quote(`add rule inet ${TABLE} input ip saddr ${set} drop`)}`,
    `nft ${quote(`add rule inet ${TABLE} output ip daddr ${set} drop`)}`,
  ];
}

export function iptablesCommands(addresses: readonly string[]): string[] {
  const a = checked(addresses);
  return [
    `iptables -N ${CHAIN}`,
    ...a.flatMap((x) => [`iptables -A ${CHAIN} -s ${x} -j DROP`, `iptables -A ${CHAIN} -d ${x} -j DROP`]),
    `iptables -I INPUT -j ${CHAIN}`,
    `iptables -I OUTPUT -j ${CHAIN}`,
  ];
}

export function ipRouteCommands(addresses: readonly string[]): string[] {
  return checked(addresses).map((x) => `ip route replace blackhole ${x}/32`);
}

/** Cuts the host off from `addresses` with the first method the host has; exits non-zero when it could not. */
export function partitionCommand(addresses: readonly string[]): string {
  const all = (cmds: string[]) => cmds.join(' && ');
  return [
    'set -e',
    'if command -v nft >/dev/null 2>&1; then',
    `  ${all(nftablesCommands(addresses))}`,
    '  echo m1:method=nftables',
    'elif command -v iptables >/dev/null 2>&1; then',
    `  ${all(iptablesCommands(addresses))}`,
    '  echo m1:method=iptables',
    'else',
    `  ${all(ipRouteCommands(addresses))}`,
    '  echo m1:method=ip-route',
    'fi',
  ].join('\n');
}

/** Undoes whichever partition is in place (each removal is harmless when there is nothing to remove). */
export function healPartitionCommand(addresses: readonly string[]): string {
  const a = checked(addresses);
  return [
    `if command -v nft >/dev/null 2>&1; then nft delete table inet ${TABLE} 2>/dev/null || true; fi`,
    'if command -v iptables >/dev/null 2>&1; then',
    `  iptables -D INPUT -j ${CHAIN} 2>/dev/null || true; iptables -D OUTPUT -j ${CHAIN} 2>/dev/null || true`,
    `  iptables -F ${CHAIN} 2>/dev/null || true; iptables -X ${CHAIN} 2>/dev/null || true`,
    'fi',
    ...a.map((x) => `ip route del blackhole ${x}/32 2>/dev/null || true`),
    'true',
  ].join('\n');
}

export function partitionMethod(stdout: string): PartitionMethod | undefined {
  const m = /^m1:method=(nftables|iptables|ip-route)$/m.exec(stdout);
  return m ? (m[1] as PartitionMethod) : undefined;
}

/**
 * A crash where the platform cannot kill the host (bare): every unit given
 * is masked for this boot (so neither Restart= nor a dependency brings it
 * back until healed), then SIGKILLed with every process of its cgroup.
 */
export function crashUnitsCommand(units: readonly string[]): string {
  const u = units.map(quote).join(' ');
  return `systemctl mask --runtime ${u} >/dev/null 2>&1; systemctl kill --kill-whom=all --signal=SIGKILL ${u}; true`;
}

/** Lets the units start again (deploy then starts them). */
export function healUnitsCommand(units: readonly string[]): string {
  const u = units.map(quote).join(' ');
  return `systemctl unmask --runtime ${u} >/dev/null 2>&1; systemctl reset-failed ${u} >/dev/null 2>&1; true`;
}
