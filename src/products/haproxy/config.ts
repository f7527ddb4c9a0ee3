/**
 * The desired /etc/haproxy/haproxy.cfg of an HAProxy node in front of a
 * Patroni cluster (Debian haproxy 2.6; reference 5.7). Debian's unit and
 * default global settings are kept (chroot, stats socket under /run/haproxy,
 * which the package's tmpfiles entry creates, /dev/log bound into the chroot
 * by the unit).
 */
import { ConfigError } from '../../errors.js';
import { hasRole, instanceByName, type Cluster, type Instance } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { hostVar } from '../../config/vars.js';
import { VARIABLES } from '../../config/variables.js';
import { instanceAddress } from '../etcd/members.js';
import { dcsParameters } from '../patroni/parameters.js';
import { patroniRestPort, postgresNode } from '../patroni/settings.js';
import { CA_CERT_PATH } from '../postgres/certificates.js';
import { HAPROXY_ADMIN_SOCKET, HAPROXY_STATE_FILE } from './serverState.js';

export const HAPROXY_CONFIG_PATH = '/etc/haproxy/haproxy.cfg';
export const HAPROXY_TEMPLATE = 'roles/haproxy/templates/haproxy.cfg.hbs';
export const HAPROXY_SERVICE = 'haproxy';

/** HAProxy, and curl for the role's read of HAProxy's stats page (backends settled). */
export const HAPROXY_PACKAGES = ['haproxy', 'curl'];

export interface HaproxyServer {
  /** The data node's name: also the name its certificate carries, which the check verifies. */
  name: string;
  address: string;
  /** Postgres port. */
  port: number;
  /** Patroni REST port: where the health check goes. */
  checkPort: number;
  maxconn: number;
}

/**
 * Check timing. During a switchover the old leader answers 503 on /primary
 * before the new one answers 200 (Patroni releases the leader lock first).
 * A server goes down within fall × inter of its first failure and comes up no
 * sooner than (rise - 1) × inter after its first success, so rise >= fall + 1
 * means HAProxy never sees two leaders up at once. 500 ms apart: a switchover
 * is followed within about 1.5 s of the promotion (1 s apart: 3 s, and a
 * no-write window of 4.1 s in bench:switchover). `timeout check 2s` still
 * bounds each check, so a slow REST answer under load is not a failure.
 */
export const HAPROXY_CHECK = { inter: '500ms', fall: 2, rise: 3 } as const;

/** HAProxy's statistics, on 127.0.0.1 only (`haproxy_stats_port`). */
export const HAPROXY_STATS_PORT = VARIABLES.haproxy_stats_port.default;
/** The backends whose servers follow Patroni's health checks. */
export const HAPROXY_BACKENDS = ['pg_leader', 'pg_replicas'] as const;

function problem(cluster: Cluster, path: string, message: string): ConfigError {
  return new ConfigError([{ file: `${cluster.dir}/config.yml`, path, message }]);
}

/** The data nodes named by the instance's haproxy_backend_servers, as HAProxy servers. */
export function haproxyServers(cluster: Cluster, instance: Instance): HaproxyServer[] {
  const names = hostVar(cluster, instance, 'haproxy_backend_servers');
  const path = `instances[${instance.name}].vars.haproxy_backend_servers`;
  if (names.length === 0) throw problem(cluster, path, 'HAProxy needs the data nodes it routes to: list them here');
  const maxConnections = Number(dcsParameters(cluster).max_connections ?? 100);
  return names.map((name) => {
    const server = instanceByName(cluster, name);
    if (!server) throw problem(cluster, path, `"${name}" is not an instance`);
    if (!hasRole(server, 'primary') && !hasRole(server, 'replica')) {
      throw problem(cluster, path, `"${name}" is not a data node (role primary or replica)`);
    }
    return {
      name,
      address: instanceAddress(server),
      port: postgresNode(cluster, server).port,
      checkPort: patroniRestPort(cluster, server),
      // 90% of Postgres' max_connections per server (TPA's haproxy_maxconn), so
      // HAProxy queues instead of Postgres refusing with "too many clients".
      maxconn: Math.max(1, Math.floor(0.9 * maxConnections)),
    };
  });
}

export interface HaproxyPorts {
  bindAddress: string;
  writePort: number;
  readPort: number;
  statsPort: number;
}

export function haproxyPorts(cluster: Cluster, instance: Instance): HaproxyPorts {
  return {
    bindAddress: hostVar(cluster, instance, 'haproxy_bind_address'),
    writePort: hostVar(cluster, instance, 'haproxy_port'),
    readPort: hostVar(cluster, instance, 'haproxy_read_only_port'),
    statsPort: hostVar(cluster, instance, 'haproxy_stats_port'),
  };
}

/** The content of /etc/haproxy/haproxy.cfg for one HAProxy node. */
export function haproxyConfig(cluster: Cluster, instance: Instance): string {
  if (!hasRole(instance, 'haproxy')) throw new Error(`${instance.name}: not an HAProxy node (no role haproxy)`);
  const ports = haproxyPorts(cluster, instance);
  if (ports.writePort === ports.readPort) {
    throw problem(cluster, `instances[${instance.name}].vars.haproxy_read_only_port`, 'must differ from haproxy_port');
  }
  if (ports.statsPort === ports.writePort || ports.statsPort === ports.readPort) {
    throw problem(cluster, `instances[${instance.name}].vars.haproxy_stats_port`, 'must differ from haproxy_port and haproxy_read_only_port');
  }
  const servers = haproxyServers(cluster, instance);
  const frontendMaxconn = 1000;
  return renderTemplate(HAPROXY_TEMPLATE, {
    caFile: CA_CERT_PATH,
    adminSocket: HAPROXY_ADMIN_SOCKET,
    stateFile: HAPROXY_STATE_FILE,
    cluster: cluster.name,
    node: instance.name,
    ...ports,
    checkPort: servers[0]!.checkPort,
    globalMaxconn: 2 * frontendMaxconn,
    frontendMaxconn,
    ...HAPROXY_CHECK,
    servers,
  });
}
