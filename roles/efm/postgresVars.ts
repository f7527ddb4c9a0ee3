/**
 * The Postgres settings EFM's properties refer to, with TPA's defaults
 * (reference 4.2). Local to the efm role until the postgres role exports the
 * same values; an instance's vars win over cluster_vars, as in TPA.
 */
import type { Cluster, Instance } from '../../src/inventory/cluster.js';

function varOf(cluster: Cluster, instance: Instance, key: string): unknown {
  return instance.vars[key] ?? cluster.clusterVars[key];
}

function stringVar(cluster: Cluster, instance: Instance, key: string, fallback: string): string {
  const v = varOf(cluster, instance, key);
  return typeof v === 'string' && v !== '' ? v : fallback;
}

export interface PostgresSettings {
  port: number;
  user: string;
  dataDir: string;
  binDir: string;
  /** systemd unit m1 runs Postgres as. */
  serviceName: string;
}

export function postgresSettings(cluster: Cluster, instance: Instance): PostgresSettings {
  const port = varOf(cluster, instance, 'postgres_port');
  return {
    port: typeof port === 'number' && Number.isInteger(port) ? port : 5432,
    user: stringVar(cluster, instance, 'postgres_user', 'postgres'),
    dataDir: stringVar(cluster, instance, 'postgres_data_dir', '/opt/postgres/data'),
    binDir: stringVar(cluster, instance, 'postgres_bin_dir', `/usr/lib/postgresql/${cluster.postgresVersion}/bin`),
    serviceName: 'postgres',
  };
}
