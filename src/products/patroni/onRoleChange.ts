/**
 * Patroni's on_role_change callback when the cluster has PgBouncers: on the
 * member that becomes primary it rewrites every PgBouncer's databases file to
 * point at itself and reloads PgBouncer (HUP), locally or over SSH as the
 * postgres user (TPA's on_role_change.sh, reference 5.3 and 5.6).
 *
 * It writes the whole file, not a sed of `host=` (TPA's way), so the result is
 * byte-for-byte what `m1 deploy` writes for that leader and a redeploy after a
 * failover reports no change — provided deploy renders the databases file for
 * the *live* leader (the default here is the pgbouncer role's databasesIni).
 *
 * Needs from other roles: /etc/pgbouncer writable by the postgres user and
 * PgBouncer running as that user (pkill -HUP), and postgres-to-postgres SSH
 * keys plus known host keys between data nodes (the postgres role, as TPA).
 */
import { quote } from '../../engine/shell/quote.js';
import { hasRole, type Cluster, type Instance } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { instanceAddress } from '../etcd/members.js';
import { databasesIni, pgbouncerDatabases } from '../pgbouncer/databases.js';
import { DATABASES_INI } from '../pgbouncer/layout.js';
import { pgbouncerHosts } from './members.js';
import { PATRONI_CONF_DIR, postgresNode } from './settings.js';

export const ON_ROLE_CHANGE_PATH = `${PATRONI_CONF_DIR}/on_role_change.sh`;
export const ON_ROLE_CHANGE_TEMPLATE = 'roles/patroni/templates/on_role_change.sh.hbs';
export interface Backend {
  /** How PgBouncer names the leader: its instance name (resolved through /etc/hosts), as deploy writes it. */
  host: string;
  port: number;
}

/** The pgbouncer role's databases file for a leader: the one function deploy also uses. */
export function defaultDatabasesFile(cluster: Cluster): (leader: Backend) => string {
  const databases = pgbouncerDatabases(cluster);
  return (leader) => databasesIni(databases, leader.host, leader.port);
}

export interface OnRoleChangeInputs {
  cluster: Cluster;
  /** The data node this script is installed on (the would-be leader). */
  instance: Instance;
  /** The databases file content for a given leader; default the pgbouncer role's (defaultDatabasesFile). */
  databasesFile?: (leader: Backend) => string;
  databasesPath?: string;
}

/** The script's content for one data node, or undefined when no PgBouncer exists. */
export function onRoleChangeScript(inputs: OnRoleChangeInputs): string | undefined {
  const { cluster, instance } = inputs;
  const bouncers = pgbouncerHosts(cluster);
  if (bouncers.length === 0) return undefined;
  const pg = postgresNode(cluster, instance);
  const path = inputs.databasesPath ?? DATABASES_INI;
  const content = (inputs.databasesFile ?? defaultDatabasesFile(cluster))({ host: instance.name, port: pg.port });
  const remote = `umask 077; f=${quote(path)}; cat > "$f.m1-new" && mv -f "$f.m1-new" "$f" && pkill -HUP -x pgbouncer`;
  return renderTemplate(ON_ROLE_CHANGE_TEMPLATE, {
    cluster: cluster.name,
    member: instance.name,
    postgresUser: pg.user,
    databasesFile: quote(path),
    content: quote(content),
    local: bouncers.some((b) => b.name === instance.name),
    remotes: bouncers
      .filter((b) => b.name !== instance.name)
      .map((b) => ({ name: b.name, target: quote(`${pg.user}@${instanceAddress(b)}`) })),
    remoteCommand: quote(remote),
  });
}

/** True when the data node should get the callback (some PgBouncer exists and it is a data node). */
export function needsOnRoleChange(cluster: Cluster, instance: Instance): boolean {
  return pgbouncerHosts(cluster).length > 0 && (hasRole(instance, 'primary') || hasRole(instance, 'replica'));
}
