/**
 * Names, paths and ports of a Patroni node, read from config.yml vars with
 * TPA's defaults (reference 4.2, 5.3).
 *
 * Service decision: Debian's patroni 3.0.2 ships the template unit
 * /lib/systemd/system/patroni@.service (`ExecStart=/usr/bin/patroni
 * /etc/patroni/%i.yml`, User=postgres, KillMode=process so stopping Patroni
 * lets it stop Postgres cleanly, Restart=no, ConditionPathExists on the
 * file) — exactly the unit TPA writes itself. m1 uses it as is:
 * `patroni@<cluster>` reading /etc/patroni/<cluster>.yml. The package also
 * enables a generic `patroni.service` for /etc/patroni/config.yml; m1 never
 * writes that file and disables that unit.
 */
import { ConfigError } from '../../errors.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { clusterVar, hostVar } from '../../config/vars.js';
import { VARIABLES } from '../../config/variables.js';
import {
  DATA_DIR,
  POSTGRES_HOME,
  POSTGRES_PORT,
  POSTGRES_SERVICE,
  POSTGRES_USER,
  SOCKET_DIR,
  binDir,
} from '../postgres/layout.js';

export const PATRONI_CONF_DIR = '/etc/patroni';
export const PATRONI_REST_PORT = VARIABLES.patroni_listen_port.default;
export const PATRONI_REST_USER = 'patroni';
export const PATRONI_REWIND_USER = 'rewind';
/** The generic unit the package enables; m1 disables it (it never starts: its config file is never written). */
export const PATRONI_GENERIC_SERVICE = 'patroni.service';

/**
 * Patroni, its etcd client library, and curl for m1's calls to its REST API.
 * python3-etcd is named because Patroni's etcd3 DCS imports it (patroni/dcs/etcd.py)
 * and the package only lists it as one alternative of its DCS libraries: Debian 12's
 * patroni 3.0.2 pulls it in, Debian 13's 4.0.7 also depends on python3-consul
 * outright, which satisfies the alternative, and Patroni then stops with "Can not
 * find suitable configuration of distributed configuration store".
 */
export const PATRONI_PACKAGES = ['patroni', 'python3-etcd', 'curl'];
/** The systemd unit m1's Postgres runs under before Patroni takes over (the postgres role's). */
export { POSTGRES_SERVICE };

function checkedClusterName(cluster: Cluster): string {
  // The name becomes a systemd instance name and a file name; "config" would collide with
  // the package's generic unit, which reads /etc/patroni/config.yml.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(cluster.name) || cluster.name === 'config') {
    throw new ConfigError([
      {
        file: `${cluster.dir}/config.yml`,
        path: 'cluster_name',
        message: `"${cluster.name}" cannot name the Patroni service patroni@<cluster>: use letters, digits, "_", "." and "-" (and not "config")`,
      },
    ]);
  }
  return cluster.name;
}

/** /etc/patroni/<cluster>.yml */
export function patroniConfigPath(cluster: Cluster): string {
  return `${PATRONI_CONF_DIR}/${checkedClusterName(cluster)}.yml`;
}

/** patroni@<cluster> (Debian's template unit). */
export function patroniServiceName(cluster: Cluster): string {
  return `patroni@${checkedClusterName(cluster)}`;
}

/** Patroni's DCS namespace: keys live under /<namespace>/<scope>/ in etcd. */
export function patroniNamespace(cluster: Cluster): string {
  const ns = clusterVar(cluster, 'patroni_dcs_namespace');
  return `/${ns.replace(/^\/+|\/+$/g, '')}/`;
}

/** Every key Patroni keeps in etcd starts with this: /<namespace>/<scope>/ (the etcd patroni role's one permission). */
export function patroniDcsPrefix(cluster: Cluster): string {
  return `${patroniNamespace(cluster)}${checkedClusterName(cluster)}/`;
}

export function patroniRestPort(cluster: Cluster, instance: Instance): number {
  return hostVar(cluster, instance, 'patroni_listen_port');
}

/**
 * Postgres layout of a data node: the postgres role's (roles/postgres/layout.ts),
 * so Patroni runs exactly the server that role set up.
 */
export interface PostgresNode {
  port: number;
  /** OS user and superuser name. */
  user: string;
  home: string;
  dataDir: string;
  binDir: string;
  socketDir: string;
  replicationUser: string;
}

export function postgresNode(cluster: Cluster, _instance: Instance): PostgresNode {
  return {
    port: POSTGRES_PORT,
    user: POSTGRES_USER,
    home: POSTGRES_HOME,
    dataDir: DATA_DIR,
    binDir: binDir(cluster.postgresVersion),
    socketDir: SOCKET_DIR,
    replicationUser: 'replication',
  };
}

/**
 * Patroni writes this file itself (credentials for replication and rewind
 * connections) and overwrites it, so it must not be the ~/.pgpass the
 * postgres role manages.
 */
export function patroniPgpassPath(cluster: Cluster, instance: Instance): string {
  return `${postgresNode(cluster, instance).home}/.pgpass.patroni`;
}
