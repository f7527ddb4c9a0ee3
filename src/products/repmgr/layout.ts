import type { PostgresVersion } from '../../inventory/cluster.js';
import { binDir } from '../postgres/layout.js';

/** TPA's repmgr_conf_dir: /etc/repmgr/<version>, owned by postgres. */
export function repmgrConfDir(version: PostgresVersion): string {
  return `/etc/repmgr/${version}`;
}
export function repmgrConfPath(version: PostgresVersion): string {
  return `${repmgrConfDir(version)}/repmgr.conf`;
}
export function promoteScriptPath(version: PostgresVersion): string {
  return `${repmgrConfDir(version)}/promote_command.sh`;
}
export function followScriptPath(version: PostgresVersion): string {
  return `${repmgrConfDir(version)}/follow_command.sh`;
}
/** The versioned binaries: /usr/bin/repmgr is pg_wrapper, which guesses the version from clusters m1 does not register. */
export function repmgrBin(version: PostgresVersion): string {
  return `${binDir(version)}/repmgr`;
}
export function repmgrdBin(version: PostgresVersion): string {
  return `${binDir(version)}/repmgrd`;
}
export const REPMGR_SERVICE = 'repmgr';
export const REPMGR_UNIT_PATH = `/etc/systemd/system/${REPMGR_SERVICE}.service`;
export const REPMGR_DB = 'repmgr';
export const REPMGR_USER = 'repmgr';

/** Debian packages for repmgr on a version. */
export function repmgrPackages(version: PostgresVersion): string[] {
  return [`postgresql-${version}-repmgr`, 'repmgr-common'];
}
