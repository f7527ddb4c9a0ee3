/**
 * The M1 architecture: options -> config.yml document, as pure data (no I/O).
 * The topology is TPA's (reference 2.6): node numbering and order, upstreams,
 * backup, the witness rule, single-node and witness-only locations last.
 * One addition: --num-cascaded-replicas N, which TPA accepts and ignores.
 */
import { UsageError } from '../errors.js';
import {
  DEBIAN_RELEASES,
  type DebianVersion,
  type FailoverManagerName,
  type Platform,
  type PostgresVersion,
  type Role,
  type Vars,
} from '../inventory/cluster.js';
import type { ConfigDocument, ConfigInstance, ConfigLocation } from '../config/document.js';
import { pickHostnames, type HostnameEntry } from './hostnames.js';
import {
  chooseSubnets,
  contains,
  formatCidr,
  gatewayOf,
  hostAddresses,
  hostCapacity,
  ipToNumber,
  parseNetworkOption,
  subnetPrefixFor,
  type Cidr,
} from '../inventory/network.js';

export const DEFAULT_NETWORK = '10.33.0.0/16';
export const DEFAULT_LOCATION = 'main';
export const DEFAULT_DATA_NODES_PER_LOCATION = 2;
export const DEFAULT_AWS_REGION = 'eu-west-1';
export const DEFAULT_AWS_INSTANCE_TYPE = 't3.micro';
/** GB, TPA's defaults (meaningful on aws). */
export const DEFAULT_VOLUME_SIZES = { root: 16, postgres: 16, barman: 32 } as const;

export interface M1Options {
  /** The cluster directory's base name. */
  clusterName: string;
  postgresVersion: PostgresVersion;
  failoverManager: FailoverManagerName;
  /** Default aws. */
  platform?: Platform;
  /** Debian major version, default 12. */
  osVersion?: DebianVersion;
  region?: string;
  /** aws: where SSH is allowed from (sshFrom.ts); TPA's 0.0.0.0/0 when unset. */
  sshFrom?: string;
  instanceType?: string;
  /** CIDR holding the cluster's subnet(s); default 10.33.0.0/16. */
  network?: string;
  subnetPrefix?: number;
  /** Default true; false (--no-shuffle-subnets) takes the first subnet of the network. */
  shuffleSubnets?: boolean;
  /** Default ["main"]. */
  locationNames?: string[];
  primaryLocation?: string;
  /** Default 2. */
  dataNodesPerLocation?: number;
  witnessOnlyLocation?: string;
  singleNodeLocation?: string;
  enablePgbouncer?: boolean;
  enableHaproxy?: boolean;
  patroniPackageFlavour?: 'edb' | 'community';
  efmBindByHostname?: boolean;
  /** Absent or 0: TPA's layout. N > 0: N replicas cascaded from the primary location's first replica. */
  numCascadedReplicas?: number;
  /** Names (and addresses) from a --hostnames-from file, in file order. */
  hostnames?: { label: string; entries: HostnameEntry[] };
  clusterPrefixedHostnames?: boolean;
  keyringBackend?: 'system' | 'legacy';
  volumeSizes?: { root?: number; postgres?: number; barman?: number };
}

/** An instance before it has a name: references to others are indices into the layout. */
interface Slot {
  location: string;
  roles: Role[];
  upstream?: number;
  backup?: number;
  vars: (name: (i: number) => string) => Vars;
}

interface Layout {
  slots: Slot[];
  /** Location names in config.yml order (as given, not reordered by --primary-location). */
  locations: string[];
  primaryLocation: string;
}

function checkLocation(option: string, value: string | undefined, names: string[]): void {
  if (value !== undefined && !names.includes(value)) {
    throw new UsageError(`${option} ${value}: Location ${value} unknown; use one of --location-names (${names.join(', ')})`);
  }
}

/** The configure-time errors of TPA's M1.validate_arguments (reference 2.4), naming the option and the fix. */
function validateLayout(o: M1Options, names: string[], dataNodes: number): void {
  const fm = o.failoverManager;
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw new UsageError(`--location-names: "${n}" is given twice; location names must be unique`);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(n)) {
      throw new UsageError(`--location-names: "${n}" is not a valid location name (letters, digits, "_", "-", ".")`);
    }
    seen.add(n);
  }
  if (o.singleNodeLocation !== undefined && o.witnessOnlyLocation !== undefined) {
    throw new UsageError(
      'A single-node location and a witness-only location cannot be combined; drop --single-node-location or --witness-only-location',
    );
  }
  checkLocation('--single-node-location', o.singleNodeLocation, names);
  checkLocation('--witness-only-location', o.witnessOnlyLocation, names);
  checkLocation('--primary-location', o.primaryLocation, names);
  if (o.primaryLocation !== undefined) {
    for (const [flag, special] of [
      ['--single-node-location', o.singleNodeLocation],
      ['--witness-only-location', o.witnessOnlyLocation],
    ] as const) {
      if (special === o.primaryLocation) {
        throw new UsageError(
          `--primary-location ${special}: it is also the ${flag.slice(2)}; the primary needs an active location`,
        );
      }
    }
  }
  if (o.witnessOnlyLocation !== undefined) {
    if (fm !== 'repmgr' && fm !== 'efm') {
      throw new UsageError(
        `--witness-only-location: Witness-only locations are supported only with repmgr or efm; use --failover-manager repmgr or efm, or drop --witness-only-location`,
      );
    }
    if (names.length < 3) {
      throw new UsageError(
        `--witness-only-location ${o.witnessOnlyLocation}: Witness-only locations require at least two active locations; add names to --location-names (e.g. --location-names dc1 dc2 ${o.witnessOnlyLocation})`,
      );
    }
  }
  if (o.enableHaproxy && fm !== 'patroni') {
    throw new UsageError(
      '--enable-haproxy: HAproxy can only be enabled when used in conjunction with Patroni; use --failover-manager patroni or drop --enable-haproxy',
    );
  }
  const active = names.filter((n) => n !== o.singleNodeLocation && n !== o.witnessOnlyLocation);
  if (fm === 'patroni' && active.length > 1) {
    throw new UsageError(
      `--location-names: Patroni with multiple locations is not supported (${active.length} active locations: ${active.join(', ')}); give one location, or make the others --single-node-location`,
    );
  }
  if (o.efmBindByHostname && fm !== 'efm') {
    throw new UsageError(`--efm-bind-by-hostname can't be used with ${fm}; it needs --failover-manager efm`);
  }
  if ((o.numCascadedReplicas ?? 0) > 0 && dataNodes < 2) {
    throw new UsageError(
      `--num-cascaded-replicas ${o.numCascadedReplicas}: cascaded replicas stream from the primary location's first replica, and --data-nodes-per-location 1 gives it none; use --data-nodes-per-location 2 or more`,
    );
  }
}

/** Builds the instance layout of reference 2.6 (plus cascaded replicas), without names. */
function layout(o: M1Options): Layout {
  const names = o.locationNames && o.locationNames.length > 0 ? o.locationNames : [DEFAULT_LOCATION];
  const dataNodes = o.dataNodesPerLocation ?? DEFAULT_DATA_NODES_PER_LOCATION;
  validateLayout(o, names, dataNodes);

  const fm = o.failoverManager;
  const cascaded = o.numCascadedReplicas ?? 0;
  const special = new Set([o.singleNodeLocation, o.witnessOnlyLocation]);
  const activeAsGiven = names.filter((n) => !special.has(n));
  const primaryLocation = o.primaryLocation ?? activeAsGiven[0]!;
  const active = [primaryLocation, ...activeAsGiven.filter((n) => n !== primaryLocation)];
  // Cascaded replicas go to the second active location when there is one (away from the primary).
  const cascadeLocation = active[1] ?? primaryLocation;

  const slots: Slot[] = [];
  const add = (s: Slot): number => slots.push(s) - 1;
  const PRIMARY = 0;
  let primaryReplica: number | undefined;
  let barmanSlot: Slot | undefined;

  const dataNodeVars = (): Slot['vars'] =>
    o.enablePgbouncer ? (name) => ({ pgbouncer_backend: name(PRIMARY) }) : () => ({});
  const withPgbouncer = (roles: Role[]): Role[] => (o.enablePgbouncer ? [...roles, 'pgbouncer'] : roles);

  for (const loc of active) {
    const dataSlots: number[] = [];
    let leader = -1;
    for (let i = 1; i <= dataNodes; i++) {
      if (loc === primaryLocation && i === 1) {
        // The primary's `backup` is filled in once the barman slot exists.
        leader = add({ location: loc, roles: withPgbouncer(['primary']), vars: dataNodeVars() });
        dataSlots.push(leader);
        continue;
      }
      // First node of another location follows the primary; the rest follow their location's first node.
      const upstream = i === 1 ? PRIMARY : leader;
      const idx = add({ location: loc, roles: withPgbouncer(['replica']), upstream, vars: dataNodeVars() });
      if (i === 1) leader = idx;
      if (loc === primaryLocation && i === 2) primaryReplica = idx;
      dataSlots.push(idx);
    }
    if (loc === cascadeLocation) {
      for (let i = 0; i < cascaded; i++) {
        dataSlots.push(add({ location: loc, roles: withPgbouncer(['replica']), upstream: primaryReplica!, vars: dataNodeVars() }));
      }
    }
    if (loc === primaryLocation) {
      barmanSlot = { location: loc, roles: ['barman', 'log-server'], vars: () => ({}) };
      slots[PRIMARY]!.backup = add(barmanSlot);
    }
    if (fm === 'patroni') {
      for (let i = 0; i < 3; i++) add({ location: loc, roles: ['etcd'], vars: () => ({ etcd_location: primaryLocation }) });
    }
    if (o.enableHaproxy) {
      const backends = [...dataSlots];
      for (let i = 0; i < 2; i++) {
        add({
          location: loc,
          roles: ['haproxy'],
          vars: (name) => ({ haproxy_backend_servers: backends.map(name), haproxy_bind_address: '0.0.0.0' }),
        });
      }
    }
  }
  if (o.singleNodeLocation !== undefined) {
    add({ location: o.singleNodeLocation, roles: ['replica'], upstream: PRIMARY, vars: () => ({}) });
  }
  if (o.witnessOnlyLocation !== undefined) {
    add({ location: o.witnessOnlyLocation, roles: ['witness'], upstream: PRIMARY, vars: () => ({}) });
  }

  if (barmanSlot && barmanIsWitness(o, active.length, dataNodes, slots)) {
    barmanSlot.roles.push('witness');
    barmanSlot.upstream = PRIMARY;
  }
  return { slots, locations: names, primaryLocation };
}

/**
 * TPA's rule (reference 2.6): no single-node location, not patroni, and either
 * exactly two active locations or one with an even number of data nodes.
 * With cascaded replicas the rule is what TPA's aims at: keep the repmgr/EFM
 * voters (Postgres nodes and witnesses) odd.
 */
function barmanIsWitness(o: M1Options, activeLocations: number, dataNodes: number, slots: Slot[]): boolean {
  if (o.failoverManager === 'patroni') return false;
  if ((o.numCascadedReplicas ?? 0) > 0) {
    const voters = slots.filter((s) => s.roles.some((r) => r === 'primary' || r === 'replica' || r === 'witness')).length;
    return voters % 2 === 0;
  }
  if (o.singleNodeLocation !== undefined) return false;
  return activeLocations === 2 || (activeLocations === 1 && dataNodes % 2 === 0);
}

function clusterVars(o: M1Options, primaryLocation: string): Vars {
  const fm = o.failoverManager;
  const repos = fm === 'efm' ? ['standard'] : [];
  const vars: Vars = {
    edb_repositories: repos,
    failover_manager: fm,
    postgres_flavour: 'postgresql',
    postgres_version: String(o.postgresVersion),
    preferred_python_version: 'python3',
    use_volatile_subscriptions: false,
  };
  if (repos.length > 0) {
    // TPA: with EDB repositories, no PGDG.
    vars.apt_repository_list = [];
    vars.yum_repository_list = ['EPEL'];
    vars.suse_repository_list = [];
  }
  if (fm === 'patroni') {
    // TPA hard-codes "main" here; m1 writes the real location (the etcd nodes carry it too).
    vars.etcd_location = primaryLocation;
    vars.patroni_package_flavour = o.patroniPackageFlavour ?? (repos.length > 0 ? 'edb' : 'community');
  }
  if (o.efmBindByHostname) vars.efm_bind_by_hostname = true;
  return vars;
}

/** The subnets and addresses the platform needs. */
function addressing(o: M1Options, count: number, locations: string[]): { subnets: Cidr[]; addresses?: string[]; network: Cidr } {
  const network = parseNetworkOption('--network', o.network ?? DEFAULT_NETWORK);
  const shuffle = o.shuffleSubnets !== false;
  if (o.subnetPrefix !== undefined && (o.subnetPrefix < network.prefix || o.subnetPrefix > 30)) {
    throw new UsageError(
      `--subnet-prefix ${o.subnetPrefix}: Network ${formatCidr(network)} cannot contain /${o.subnetPrefix} subnets; use a prefix between ${network.prefix} and 30`,
    );
  }
  if (o.platform === 'docker') {
    // One subnet for the whole cluster, sized for it.
    const prefix = o.subnetPrefix ?? subnetPrefixFor(count);
    if (prefix === undefined) {
      throw new UsageError(`${count} instances do not fit in a /24 subnet; use --subnet-prefix 23 or less`);
    }
    const subnet = chooseSubnets(network, prefix, o.clusterName, 1, shuffle)[0]!;
    if (hostCapacity(prefix) < count) {
      throw new UsageError(
        `The subnet '${formatCidr(subnet)}' is too small for the specified cluster (${count} instances); use --subnet-prefix ${subnetPrefixFor(count) ?? 23} or less to specify a larger subnet`,
      );
    }
    // Every usable address, in order; instances take them in node order.
    return { subnets: [subnet], addresses: hostAddresses(subnet, hostCapacity(prefix)), network };
  }
  if (o.platform === 'bare') return { subnets: [], network };
  // aws: one subnet per location.
  return { subnets: chooseSubnets(network, o.subnetPrefix ?? 28, o.clusterName, locations.length, shuffle), network };
}

function checkFileAddress(o: M1Options, entry: HostnameEntry, subnet: Cidr | undefined): void {
  if (!subnet || entry.ipAddress === undefined) return;
  const label = o.hostnames?.label ?? 'FILE';
  const n = ipToNumber(entry.ipAddress);
  const reserved = [subnet.base, subnet.base + 1, subnet.base + 2 ** (32 - subnet.prefix) - 1];
  if (!contains(subnet, entry.ipAddress) || n === undefined || reserved.includes(n)) {
    throw new UsageError(
      `--hostnames-from ${label}: ${entry.ipAddress} (${entry.name}) is not a usable address of the cluster's subnet ` +
        `${formatCidr(subnet)} (gateway ${gatewayOf(subnet)}); fix the file, or use --no-shuffle-subnets to take the first subnet of --network`,
    );
  }
}

/** Options -> config.yml document. Throws UsageError (exit 2) on any bad combination. */
export function configureM1(options: M1Options): ConfigDocument {
  const o: M1Options = { platform: 'aws', osVersion: 12, ...options };
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(o.clusterName)) {
    throw new UsageError(
      `cluster name "${o.clusterName}" (the directory's name) must be letters, digits, "_", "-" or ".", not starting with a symbol; rename the directory`,
    );
  }
  const platform = o.platform!;
  const { slots, locations, primaryLocation } = layout(o);
  const { subnets, addresses, network } = addressing(o, slots.length, locations);

  const entries = pickHostnames(slots.length, {
    clusterName: o.clusterName,
    fromFile: o.hostnames,
    clusterPrefixed: o.clusterPrefixedHostnames === true,
    allowDots: platform !== 'aws',
  });
  const name = (i: number): string => entries[i]!.name;

  // Addresses from a hostnames file are taken first; the others get the next free ones.
  const fileAddresses = new Set(entries.flatMap((e) => (e.ipAddress === undefined ? [] : [e.ipAddress])));
  const free = (addresses ?? []).filter((a) => !fileAddresses.has(a));
  const instances: ConfigInstance[] = slots.map((slot, i) => {
    const entry = entries[i]!;
    const inst: ConfigInstance = { Name: entry.name, location: slot.location, node: i + 1, role: [...slot.roles] };
    if (slot.backup !== undefined) inst.backup = name(slot.backup);
    if (slot.upstream !== undefined) inst.upstream = name(slot.upstream);
    const vars = slot.vars(name);
    if (Object.keys(vars).length > 0) inst.vars = vars;
    if (platform === 'docker') {
      checkFileAddress(o, entry, subnets[0]);
      inst.ip_address = entry.ipAddress ?? free.shift()!;
    } else if (entry.ipAddress !== undefined) {
      inst.ip_address = entry.ipAddress;
    } else if (entry.publicIp !== undefined) {
      inst.public_ip = entry.publicIp;
      inst.private_ip = entry.privateIp;
    }
    if (platform === 'aws' && slot.roles.includes('barman')) {
      inst.volumes = [awsVolume('/dev/sdf', o.volumeSizes?.barman ?? DEFAULT_VOLUME_SIZES.barman, 'barman_data')];
    }
    return inst;
  });
  const used = new Set<string>();
  for (const inst of instances) {
    if (inst.ip_address === undefined) continue;
    if (used.has(inst.ip_address)) {
      throw new UsageError(`--hostnames-from ${o.hostnames?.label ?? 'FILE'}: ${inst.ip_address} is given to two instances`);
    }
    used.add(inst.ip_address);
  }

  const doc: ConfigDocument = {
    architecture: 'M1',
    cluster_name: o.clusterName,
    cluster_tags: {},
    cluster_vars: clusterVars(o, primaryLocation),
    locations: [],
    instance_defaults: {},
    instances,
  };
  if (o.keyringBackend !== undefined) doc.keyring_backend = o.keyringBackend;

  if (platform === 'docker') {
    doc.docker_networks = [{ name: o.clusterName, ipam_config: [{ subnet: formatCidr(subnets[0]!) }] }];
    doc.locations = locations.map((n) => ({ Name: n }));
    doc.instance_defaults = {
      image: `m1/debian:${DEBIAN_RELEASES[o.osVersion!]}`,
      platform: 'docker',
      vars: { ansible_user: 'root' },
    };
  } else if (platform === 'aws') {
    const region = o.region ?? DEFAULT_AWS_REGION;
    doc.cluster_rules = [
      { cidr_ip: o.sshFrom ?? '0.0.0.0/0', from_port: 22, proto: 'tcp', to_port: 22 },
      ...subnets.map((s) => ({ cidr_ip: formatCidr(s), from_port: 0, proto: 'tcp', to_port: 65535 })),
    ];
    doc.ec2_vpc = { [region]: { Name: 'Test', cidr: formatCidr(network) } };
    doc.locations = locations.map(
      (n, i): ConfigLocation => ({ Name: n, az: `${region}a`, region, subnet: formatCidr(subnets[i]!) }),
    );
    doc.instance_defaults = {
      default_volumes: [
        { device_name: 'root', encrypted: true, volume_size: o.volumeSizes?.root ?? DEFAULT_VOLUME_SIZES.root, volume_type: 'gp2' },
        awsVolume('/dev/sdf', o.volumeSizes?.postgres ?? DEFAULT_VOLUME_SIZES.postgres, 'postgres_data'),
      ],
      platform: 'aws',
      type: o.instanceType ?? DEFAULT_AWS_INSTANCE_TYPE,
      vars: { ansible_user: 'admin' },
    };
  } else {
    doc.locations = locations.map((n) => ({ Name: n }));
    doc.instance_defaults = { platform: 'bare', vars: { ansible_user: 'root' } };
  }
  return doc;
}

function awsVolume(device: string, size: number, purpose: string): Vars {
  return { device_name: device, encrypted: true, vars: { volume_for: purpose }, volume_size: size, volume_type: 'gp2' };
}
