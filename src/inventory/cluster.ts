/**
 * The typed Cluster model: what config.yml says, after loading, validation and
 * variable merging. Every later stage (provision, deploy, status) reads this,
 * never the YAML.
 */

export const FAILOVER_MANAGERS = ['repmgr', 'efm', 'patroni'] as const;
export type FailoverManagerName = (typeof FAILOVER_MANAGERS)[number];

export const PLATFORMS = ['aws', 'docker', 'bare'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Roles as config.yml names them (TPA's names). */
export const ROLES = [
  'primary',
  'replica',
  'witness',
  'barman',
  'log-server',
  'pgbouncer',
  'etcd',
  'haproxy',
] as const;
export type Role = (typeof ROLES)[number];

export const POSTGRES_VERSIONS = [11, 12, 13, 14, 15, 16, 17] as const;
export type PostgresVersion = (typeof POSTGRES_VERSIONS)[number];

/** The debian releases m1 supports, by major version. */
export const DEBIAN_RELEASES = { 11: 'bullseye', 12: 'bookworm', 13: 'trixie' } as const;
export type DebianVersion = keyof typeof DEBIAN_RELEASES;

export type Vars = Record<string, unknown>;

export interface Location {
  name: string;
  /** Other keys TPA may write on a location (region, az, subnet). */
  extra: Vars;
}

export interface Instance {
  /** Hostname, container name and inventory name. */
  name: string;
  /** Node number, unique, from 1. repmgr's node_id. */
  node: number;
  location: string;
  /** Roles as written in config.yml (order kept). */
  roles: Role[];
  /** Name of the instance this one streams from (replicas, witness). */
  upstream?: string;
  /** Name of the Barman instance that backs this one up. */
  backup?: string;
  /** Static address (docker, bare). */
  ipAddress?: string;
  /** instance_defaults.vars merged with the instance's own vars (instance wins). */
  vars: Vars;
  /** The instance's own `vars` as written in config.yml (before merging); kept for round trips. */
  ownVars?: Vars;
  /** Every other key of the instance (image, platform, volumes...), kept for round trips. */
  extra: Vars;
}

export interface DockerNetwork {
  name: string;
  subnet: string;
  /** docker_networks[0].driver_options (e.g. com.docker.network.driver.mtu), given to Docker when the network is created. */
  driverOptions?: Record<string, string>;
}

export interface Cluster {
  /** Absolute path of the cluster directory. */
  dir: string;
  name: string;
  architecture: 'M1';
  failoverManager: FailoverManagerName;
  postgresVersion: PostgresVersion;
  platform: Platform;
  locations: Location[];
  /** In node order. */
  instances: Instance[];
  clusterVars: Vars;
  clusterTags: Vars;
  instanceDefaults: Vars;
  /** docker_networks[0], on the docker platform. */
  dockerNetwork?: DockerNetwork;
  /** Top-level keys kept for round trips (keyring_backend, vault_name...). */
  extra: Vars;
}

export function hasRole(instance: Instance, role: Role): boolean {
  return instance.roles.includes(role);
}

/** A data node: it holds a copy of the data (primary or replica). */
export function isDataNode(instance: Instance): boolean {
  return hasRole(instance, 'primary') || hasRole(instance, 'replica');
}

/**
 * Whether a witness runs a Postgres server of its own: repmgr's witness is a
 * registered server; EFM's witness is an agent without one (TPA's
 * efm-witness); Patroni's witness role gives it no server either.
 */
const WITNESS_RUNS_POSTGRES: Readonly<Record<FailoverManagerName, boolean>> = { repmgr: true, efm: false, patroni: false };

/** A Postgres server runs here: primary, replica, or a witness whose failover manager runs one there. */
export function runsPostgres(instance: Instance, fm: FailoverManagerName): boolean {
  if (hasRole(instance, 'primary') || hasRole(instance, 'replica')) return true;
  return hasRole(instance, 'witness') && WITNESS_RUNS_POSTGRES[fm];
}

export function instanceByName(cluster: Cluster, name: string): Instance | undefined {
  return cluster.instances.find((i) => i.name === name);
}
