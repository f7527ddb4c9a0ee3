/**
 * repmgr.service (TPA's name; Debian's own /etc/init.d/repmgrd stays
 * disabled by its REPMGRD_ENABLED=no). repmgrd stays in the foreground and
 * logs to the journal; it survives restarts of the local Postgres by itself.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { POSTGRES_SERVICE, POSTGRES_USER } from '../postgres/layout.js';
import { repmgrConfPath, repmgrdBin } from './layout.js';

export function repmgrServiceUnit(version: PostgresVersion): string {
  return renderTemplate('roles/repmgr/templates/repmgr.service.hbs', {
    version,
    user: POSTGRES_USER,
    postgresService: POSTGRES_SERVICE,
    repmgrd: repmgrdBin(version),
    conf: repmgrConfPath(version),
  });
}
