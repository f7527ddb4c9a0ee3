/**
 * What to read from each host for status, switchover and test, decided from
 * config.yml alone (the live roles come out of the reading): which services
 * it runs, whether it has a Postgres server, which failover manager view to
 * ask for (the manager's reading()), which PgBouncer files and Barman servers
 * it holds.
 */
import type { PatroniSelfApi } from '../../../src/live/facts/patroniCluster.js';
import { hasRole, runsPostgres, type Cluster, type Instance, type PostgresVersion } from '../../../src/inventory/cluster.js';
import { barmanServers } from '../../../src/products/barman/serverName.js';
import { PGBOUNCER_SERVICE } from '../../../src/products/pgbouncer/layout.js';
import { HAPROXY_SERVICE } from '../../../src/products/haproxy/config.js';
import { managerFor } from '../../../roles/managers.js';

export interface ProbeSpec {
  host: string;
  version: PostgresVersion;
  /** systemd units whose state is reported, in this order. */
  units: string[];
  /** A Postgres server of m1's runs here (data node or repmgr witness). */
  postgres: boolean;
  /** repmgr metadata, repmgrd state and `repmgr cluster show --csv` from this node. */
  repmgr: boolean;
  /**
   * Patroni's REST API here (name and port): GET /cluster on it is what
   * `patronictl list` shows (the DCS's members), without patronictl's 1-2.5 s of Python.
   */
  patroniApi?: PatroniSelfApi;
  /** efm binary and cluster name for `efm cluster-status-json`. */
  efm?: { bin: string; cluster: string };
  /** PgBouncer's databases file is read here. */
  pgbouncer: boolean;
  /** Barman servers held here: conf, backups, `barman check`. */
  barmanServers: string[];
  /** Run `barman check` (about a second of Python per server). */
  barmanCheck: boolean;
  /**
   * Cut short what waits on other hosts (repmgr cluster show, Patroni's API,
   * barman check) after this many seconds, run side by side (m1 status);
   * unset: everything runs to its end.
   */
  boundS?: number;
}

export { isDataNode } from '../../../src/inventory/cluster.js';

export function probeSpec(cluster: Cluster, i: Instance, opts: { barmanCheck?: boolean } = {}): ProbeSpec {
  // The failover manager's part: its units (and the server's), and which of its views to read.
  const manager = managerFor(cluster).reading(cluster, i);
  const units = [...manager.units];
  if (hasRole(i, 'pgbouncer')) units.push(PGBOUNCER_SERVICE);
  if (hasRole(i, 'haproxy')) units.push(HAPROXY_SERVICE);
  if (hasRole(i, 'etcd')) units.push('etcd');
  const servers = hasRole(i, 'barman') ? barmanServers(cluster).filter((s) => s.barmanHost === i.name).map((s) => s.name) : [];
  if (servers.length > 0) units.push('cron');
  return {
    host: i.name,
    version: cluster.postgresVersion,
    units,
    postgres: runsPostgres(i, cluster.failoverManager),
    repmgr: manager.repmgr ?? false,
    ...(manager.patroniApi !== undefined ? { patroniApi: manager.patroniApi } : {}),
    ...(manager.efm ? { efm: manager.efm } : {}),
    pgbouncer: hasRole(i, 'pgbouncer'),
    barmanServers: servers,
    barmanCheck: opts.barmanCheck ?? true,
  };
}
