/**
 * The files a data node needs for Patroni, with owner and mode. The config
 * holds passwords: `secret` files are never shown in a diff or log.
 */
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { patroniConfigFile, type LocalConfigInputs } from './localConfig.js';
import { ON_ROLE_CHANGE_PATH, onRoleChangeScript, type OnRoleChangeInputs } from './onRoleChange.js';
import { PATRONI_CONF_DIR, patroniConfigPath, postgresNode } from './settings.js';

export interface DirSpec {
  path: string;
  owner: string;
  group: string;
  mode: number;
}

export interface FileSpec extends DirSpec {
  content: string;
  secret: boolean;
}

export function patroniDirs(cluster: Cluster, instance: Instance): DirSpec[] {
  const pg = postgresNode(cluster, instance);
  // Patroni (running as postgres) reads the directory; only root writes it.
  return [{ path: PATRONI_CONF_DIR, owner: 'root', group: pg.user, mode: 0o750 }];
}

export function patroniFiles(
  inputs: LocalConfigInputs & Pick<OnRoleChangeInputs, 'databasesFile' | 'databasesPath'>,
): FileSpec[] {
  const { cluster, instance } = inputs;
  const pg = postgresNode(cluster, instance);
  const files: FileSpec[] = [
    {
      path: patroniConfigPath(cluster),
      owner: 'root',
      group: pg.user,
      mode: 0o640,
      content: patroniConfigFile(inputs),
      secret: true,
    },
  ];
  const script = onRoleChangeScript(inputs);
  if (script !== undefined) {
    files.push({ path: ON_ROLE_CHANGE_PATH, owner: 'root', group: pg.user, mode: 0o750, content: script, secret: false });
  }
  return files;
}
