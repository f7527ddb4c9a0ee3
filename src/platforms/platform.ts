/**
 * One interface for every platform: provision makes the cluster's hosts exist
 * and answer over SSH, writes the inventory and the cluster directory's keys;
 * deprovision removes what provision made (docker) or forgets it (bare).
 */
import type { Cluster, Platform as PlatformName } from '../inventory/cluster.js';
import type { Inventory } from '../inventory/inventory.js';

/** What happened to one host during provision. */
export type HostStatus =
  /** docker: container created and started. */
  | 'created'
  /** docker: an existing, stopped container started. */
  | 'started'
  /** docker: host keys or authorized key reinstalled in an existing container. */
  | 'repaired'
  /** bare: first contact, host key recorded in known_hosts. */
  | 'recorded'
  /** Nothing to do: it exists, runs and answers. */
  | 'unchanged';

export interface HostReport {
  name: string;
  address: string;
  status: HostStatus;
  /** SHA256 fingerprint of the host key it presented (bare) or that was installed (docker). */
  fingerprint?: string;
  /** Time from the start of provision until this host answered over SSH, in ms. */
  readyMs?: number;
}

export interface ProvisionOptions {
  /** One line per event (network, host, key...), as it happens. */
  progress?: (line: string) => void;
  /** How long a host may take to answer over SSH, in ms. */
  readyTimeoutMs?: number;
  /**
   * A host already running as provisioned is not probed over SSH: the caller
   * connects to every host at once anyway (deploy), and an SSH problem is
   * reported there, naming the host. Hosts created or started are probed,
   * and every host when the cluster's keys were made in this run (a running
   * host then holds other keys, which the probe reinstalls).
   */
  trustRunning?: boolean;
}

export interface ProvisionResult {
  cluster: string;
  platform: PlatformName;
  hosts: HostReport[];
  /** One entry per change: `container alpha created`, `key id_x generated`... Empty on a converged rerun. */
  changed: string[];
  warnings: string[];
  inventory: Inventory;
  durationMs: number;
}

export interface DeprovisionOptions {
  progress?: (line: string) => void;
}

export interface DeprovisionResult {
  /** What was removed: `container alpha`, `network x`, `inventory.json`. */
  removed: string[];
  durationMs: number;
}

export interface Platform {
  readonly name: PlatformName;
  provision(cluster: Cluster, opts?: ProvisionOptions): Promise<ProvisionResult>;
  /** What deprovision would remove, for the confirmation prompt; changes nothing. */
  deprovisionPlan(cluster: Cluster): Promise<string[]>;
  deprovision(cluster: Cluster, opts?: DeprovisionOptions): Promise<DeprovisionResult>;
  /**
   * Kills every process of one host at once, as a power loss would (docker:
   * `docker kill`; provision starts it again). Absent (bare): `m1 drill`
   * kills the host's services itself.
   */
  crash?(cluster: Cluster, host: string): Promise<void>;
  /**
   * Removes one host of the cluster for good (m1 remove-node; docker: its
   * container and volumes); 'absent' when it is gone already. Absent (bare,
   * aws): the host is left where it is.
   */
  removeHost?(cluster: Cluster, host: string): Promise<'removed' | 'absent'>;
  /**
   * Attaches one host of the cluster to another cluster's network too, as a
   * routed network would make it reachable from there (m1 restore: the
   * source's Barman reaches the new primary); its address on that network.
   * Attached already: that address. Absent (bare, aws): routing is the
   * network's business.
   */
  attachHost?(cluster: Cluster, host: string, network: string): Promise<string>;
  /** Undoes attachHost; not attached: nothing to do. */
  detachHost?(cluster: Cluster, host: string, network: string): Promise<void>;
}
