/**
 * The Postgres settings EFM's properties refer to. Defaults are TPA's and
 * the postgres role's (roles/postgres/layout.ts: /opt/postgres/data, port
 * 5432, Debian's bin dir, the `postgres` unit); an instance's vars win over
 * cluster_vars, as in TPA.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { hostVar } from '../../config/vars.js';

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
    port: hostVar(cluster, instance, 'postgres_port'),
    // An account name (the spec's rule): it is written into a sudoers file and efm.properties.
    user: hostVar(cluster, instance, 'postgres_user'),
    dataDir: hostVar(cluster, instance, 'postgres_data_dir'),
    binDir: hostVar(cluster, instance, 'postgres_bin_dir') ?? `/usr/lib/postgresql/${cluster.postgresVersion}/bin`,
    serviceName: 'postgres',
  };
}
