import { POSTGRES_PORT } from '../postgres/layout.js';
import { REPMGR_DB, REPMGR_USER } from './layout.js';

/** How everyone reaches a node's repmgr database (TPA's repmgr_node_dsn). */
export function repmgrDsn(host: string, port: number = POSTGRES_PORT): string {
  return `host=${host} port=${port} dbname=${REPMGR_DB} user=${REPMGR_USER}`;
}
