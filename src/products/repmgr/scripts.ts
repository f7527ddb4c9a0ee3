/**
 * promote_command.sh and follow_command.sh beside repmgr.conf (0755, run by
 * repmgrd as postgres).
 *
 * With `repmgr_redirect_pgbouncer: true` in cluster_vars (unset means false;
 * TPA crashes on an unset value), the promote hook then points every
 * PgBouncer of the cluster at this node: it writes the databases file text
 * that roles/pgbouncer/databases.ts renders for this node as primary, i.e.
 * byte for byte what `m1 deploy` writes afterwards, and sends PgBouncer a HUP
 * (a reload: clients stay connected, server_fast_close moves idle sessions).
 * Remote hosts are reached as postgres over SSH, in parallel, each bounded by
 * ConnectTimeout, so a dead host (often the old primary) delays nothing long.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { hasRole } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { quote } from '../../engine/shell/quote.js';
import { clusterVar } from '../../config/vars.js';
import { databasesIni, pgbouncerDatabases } from '../pgbouncer/databases.js';
import { DATABASES_INI } from '../pgbouncer/layout.js';
import { repmgrBin, repmgrConfPath } from './layout.js';

/** cluster_vars.repmgr_redirect_pgbouncer; unset (or null) is false. */
export function redirectPgbouncer(cluster: Cluster): boolean {
  return clusterVar(cluster, 'repmgr_redirect_pgbouncer');
}

export function pgbouncerHosts(cluster: Cluster): string[] {
  return cluster.instances
    .filter((i) => hasRole(i, 'pgbouncer'))
    .map((i) => i.name)
    .sort();
}

/** The marker that ends the here-document; checked never to occur in the text it quotes. */
const HEREDOC_END = 'M1_PGBOUNCER_DATABASES';

export function promoteScript(cluster: Cluster, me: Instance): string {
  const version = cluster.postgresVersion;
  const hosts = redirectPgbouncer(cluster) ? pgbouncerHosts(cluster) : [];
  const databases = databasesIni(pgbouncerDatabases(cluster), me.name);
  if (databases.split('\n').includes(HEREDOC_END)) throw new Error('pgbouncer databases text contains the here-document marker');
  return renderTemplate('roles/repmgr/templates/promote_command.sh.hbs', {
    node: me.name,
    repmgr: repmgrBin(version),
    conf: repmgrConfPath(version),
    redirect: hosts.length > 0,
    hosts: hosts.map((h) => ({ name: h, quoted: quote(h), local: h === me.name })),
    databasesFile: DATABASES_INI,
    databases: databases.replace(/\n$/, ''),
    heredocEnd: HEREDOC_END,
  });
}

export function followScript(cluster: Cluster, me: Instance): string {
  const version = cluster.postgresVersion;
  return renderTemplate('roles/repmgr/templates/follow_command.sh.hbs', { node: me.name, repmgr: repmgrBin(version), conf: repmgrConfPath(version) });
}
