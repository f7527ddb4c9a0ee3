import { POSTGRES_PORT } from '../postgres/layout.js';
import { VERIFY_CLUSTER_SERVER } from '../postgres/certificates.js';
import { REPMGR_DB, REPMGR_USER } from './layout.js';

/**
 * How everyone reaches a node's repmgr database (TPA's repmgr_node_dsn). The
 * server is verified against the cluster CA and its name (verify-full): it
 * is repmgr.conf's conninfo, the record in repmgr.nodes, and so what repmgr
 * writes into a standby's primary_conninfo, so replication verifies its
 * upstream too.
 */
export function repmgrDsn(host: string, port: number = POSTGRES_PORT): string {
  return `host=${host} port=${port} dbname=${REPMGR_DB} user=${REPMGR_USER} ${VERIFY_CLUSTER_SERVER}`;
}
