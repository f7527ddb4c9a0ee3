/**
 * Everything the efm role puts on one EFM node, as data: directories and
 * files with owner, group and mode. The engine's file operations apply it;
 * nothing here touches a host.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { efmAddress, efmBindPort, efmNodeInstances, isEfmWitness } from './nodes.js';
import { clusterHasPgbouncer, type DatabasesLine, PGBOUNCER_REDIRECT_SCRIPT, redirectScript } from './pgbouncerRedirect.js';
import { postgresSettings } from './postgresVars.js';
import {
  type EfmLive,
  type LeftOutProperty,
  efmNotificationScriptPath,
  efmProperties,
  redactedProperties,
} from './properties.js';
import { renderEfmTemplate } from './render.js';
import { VISUDO_CHECK } from '../system/sudoers.js';
import { type EfmVersion, efmPaths, efmVersion } from './version.js';

export interface EfmDirectory {
  path: string;
  owner: string;
  group: string;
  mode: string;
}

export interface EfmFile extends EfmDirectory {
  content: string;
  /** Show `redactedContent` instead of `content` in diffs and logs. */
  sensitive: boolean;
  redactedContent: string;
  /** Restart EFM when this file changes (TPA: any properties/nodes change restarts EFM). */
  restartsEfm: boolean;
  /** A command that must accept the content (on its stdin) before it is written: visudo for the sudoers file. */
  validate?: string;
}

export interface EfmHostFiles {
  directories: EfmDirectory[];
  files: EfmFile[];
  leftOut: LeftOutProperty[];
  warnings: string[];
}

export const SUDOERS_FILE = '/etc/sudoers.d/m1_efm';

function file(
  path: string,
  owner: string,
  group: string,
  mode: string,
  content: string,
  extra: Partial<Pick<EfmFile, 'sensitive' | 'redactedContent' | 'restartsEfm' | 'validate'>> = {},
): EfmFile {
  return {
    path,
    owner,
    group,
    mode,
    content,
    sensitive: extra.sensitive ?? false,
    redactedContent: extra.redactedContent ?? content,
    restartsEfm: extra.restartsEfm ?? false,
    ...(extra.validate !== undefined ? { validate: extra.validate } : {}),
  };
}

export function renderProperties(cluster: Cluster, instance: Instance, properties: ReadonlyMap<string, string>): string {
  return renderEfmTemplate('efm.properties.hbs', {
    clusterName: cluster.name,
    hostName: instance.name,
    properties: [...properties].map(([key, value]) => ({ key, value })),
  });
}

export function renderNodes(cluster: Cluster): string {
  const port = efmBindPort(cluster);
  return renderEfmTemplate('efm.nodes.hbs', {
    addresses: efmNodeInstances(cluster).map((i) => `${efmAddress(cluster, i)}:${port}`),
  });
}

/**
 * `/etc/systemd/system/edb-efm-<v>.service` (TPA's unit: forking runefm.sh as
 * efm). No PIDFile on docker, as TPA does there.
 */
export function renderUnit(cluster: Cluster, version: EfmVersion = efmVersion(cluster)): string {
  const paths = efmPaths(version);
  return renderEfmTemplate('efm.service.hbs', {
    version: version.text,
    clusterName: cluster.name,
    binDir: paths.binDir,
    postgresService: 'postgres',
    pidFile: cluster.platform === 'docker' ? '' : `/run/efm-${version.text}/${cluster.name}.pid`,
  });
}

export interface EfmHostFilesOptions {
  /** The pgbouncer role's databases line, for the redirect script. */
  databasesLine?: DatabasesLine;
}

export function efmHostFiles(
  cluster: Cluster,
  instance: Instance,
  live: EfmLive = {},
  options: EfmHostFilesOptions = {},
): EfmHostFiles {
  const version = efmVersion(cluster);
  const paths = efmPaths(version);
  const pg = postgresSettings(cluster, instance);
  const { properties, leftOut, warnings } = efmProperties(cluster, instance, live);
  const withRedirect = clusterHasPgbouncer(cluster);

  const directories: EfmDirectory[] = [{ path: paths.confDir, owner: 'efm', group: 'efm', mode: '0755' }];
  const files: EfmFile[] = [
    // 0640 efm:efm: the postgres user (in group efm) reads it when EFM runs efm_db_functions.
    file(`${paths.confDir}/${cluster.name}.properties`, 'efm', 'efm', '0640', renderProperties(cluster, instance, properties), {
      sensitive: true,
      redactedContent: renderProperties(cluster, instance, redactedProperties(properties)),
      restartsEfm: true,
    }),
    file(`${paths.confDir}/${cluster.name}.nodes`, 'efm', 'efm', '0640', renderNodes(cluster), { restartsEfm: true }),
    file(efmNotificationScriptPath(cluster, version), 'efm', 'efm', '0750', renderEfmTemplate('efm.notification.sh.hbs', { clusterName: cluster.name })),
    file(paths.unitFile, 'root', 'root', '0644', renderUnit(cluster, version), { restartsEfm: true }),
    file(
      SUDOERS_FILE,
      'root',
      'root',
      '0440',
      renderEfmTemplate('efm.sudoers.hbs', {
        postgresUser: pg.user,
        binDir: paths.binDir,
        redirectScript: withRedirect ? PGBOUNCER_REDIRECT_SCRIPT : '',
      }),
      { validate: VISUDO_CHECK },
    ),
  ];
  if (withRedirect) {
    files.push(
      file(PGBOUNCER_REDIRECT_SCRIPT, 'root', 'root', '0755', redirectScript(cluster, instance, { databasesLine: options.databasesLine })),
    );
  }
  return { directories, files, leftOut, warnings };
}

export interface EfmAccounts {
  /** The efm system user (the EFM package creates it too; m1 needs it before, and without, the package). */
  user: { name: 'efm'; group: 'efm'; home: string; shell: string; system: true };
  /** Postgres' owner joins group efm to read the properties file when EFM runs efm_db_functions. */
  memberships: { user: string; group: 'efm' }[];
}

export function efmAccounts(cluster: Cluster, instance: Instance): EfmAccounts {
  const memberships = isEfmWitness(cluster, instance) ? [] : [{ user: postgresSettings(cluster, instance).user, group: 'efm' as const }];
  return { user: { name: 'efm', group: 'efm', home: '/var/efm', shell: '/bin/bash', system: true }, memberships };
}
