/**
 * config.yml as data, with TPA's key names: what `m1 configure` produces and
 * what `writeConfig` renders. The loader turns it into the typed Cluster model.
 */
import type { Vars } from '../inventory/cluster.js';

export const CONFIG_FILE = 'config.yml';

export interface ConfigLocation {
  Name: string;
  [key: string]: unknown;
}

export interface ConfigInstance {
  Name: string;
  node: number;
  location: string;
  role: string[];
  upstream?: string;
  backup?: string;
  ip_address?: string;
  vars?: Vars;
  [key: string]: unknown;
}

export interface ConfigDockerNetwork {
  name: string;
  ipam_config: { subnet: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

export interface ConfigDocument {
  architecture: 'M1';
  cluster_name: string;
  cluster_tags: Vars;
  keyring_backend?: string;
  docker_networks?: ConfigDockerNetwork[];
  cluster_vars: Vars;
  locations: ConfigLocation[];
  instance_defaults: Vars;
  instances: ConfigInstance[];
  [key: string]: unknown;
}
