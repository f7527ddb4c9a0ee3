/**
 * Whether Patroni owns a data node's Postgres: its configuration files,
 * pg_hba.conf and the server process. From Patroni's first start on a node it
 * keeps postgresql.conf as postgresql.base.conf and writes its own, and it
 * starts, stops, reloads and restarts the server; anything else touching them
 * (the postgres role's conf files, `systemctl start|reload|restart postgres`)
 * works behind its back. The postgres role asks this (through the Patroni
 * failover manager) before doing so.
 */
import type { HostContext } from '../../engine/index.js';
import type { Cluster } from '../../inventory/cluster.js';
import { DATA_DIR } from '../postgres/layout.js';
import { patroniServiceName } from './settings.js';

/** Patroni's copy of the original postgresql.conf: exists once Patroni has started on the data directory. */
export const PATRONI_BASE_CONF = `${DATA_DIR}/postgresql.base.conf`;

const RUNNING = new Set(['active', 'activating', 'reloading']);

export async function patroniOwnsPostgres(cluster: Cluster, h: HostContext): Promise<boolean> {
  const [base, svc] = await Promise.all([h.facts.stat(PATRONI_BASE_CONF), h.facts.service(patroniServiceName(cluster))]);
  return base !== null || RUNNING.has(svc.activeState);
}
