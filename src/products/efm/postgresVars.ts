/**
 * The Postgres settings EFM's properties refer to. Defaults are TPA's and
 * the postgres role's (roles/postgres/layout.ts: /opt/postgres/data, port
 * 5432, Debian's bin dir, the `postgres` unit); an instance's vars win over
 * cluster_vars, as in TPA.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { intVar, stringVar } from '../../config/vars.js';

export interface PostgresSettings {
  port: number;
  user: string;
  dataDir: string;
  binDir: string;
  /** systemd unit m1 runs Postgres as. */
  serviceName: string;
}

export function postgresSettings(cluster: Cluster, instance: Instance): PostgresSettings {
  return {
    port: intVar(cluster, instance, 'postgres_port', 5432, 1, 65535),
    user: stringVar(cluster, instance, 'postgres_user', 'postgres'),
    dataDir: stringVar(cluster, instance, 'postgres_data_dir', '/opt/postgres/data'),
    binDir: stringVar(cluster, instance, 'postgres_bin_dir', `/usr/lib/postgresql/${cluster.postgresVersion}/bin`),
    serviceName: 'postgres',
  };
}
