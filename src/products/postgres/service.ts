/**
 * The `postgres` systemd unit (m1's own, as TPA's): one server per host,
 * from /opt/postgres/data, started and stopped only through systemd.
 *
 * Type=notify: Debian builds PostgreSQL with systemd support (the server
 * links libsystemd), so `systemctl start postgres` returns once the server
 * accepts connections (a hot standby: read-only ones), and a failed start is
 * reported by systemctl itself. No polling loop is needed after a start or a
 * restart. TimeoutStartSec=infinity: crash recovery may take longer than any
 * fixed limit, and killing it mid-way helps nobody (PostgreSQL's docs).
 * KillMode=mixed + SIGINT: a fast shutdown of the postmaster, which then
 * stops its children itself.
 *
 * On a repmgr data node the unit runs m1's fence first (fence.ts): a former
 * primary does not start while another node runs as primary.
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { DATA_DIR, POSTGRES_GROUP, POSTGRES_USER, binDir } from './layout.js';

/** `fence`: the script run before the server (ExecStartPre), when this host has one. */
export function postgresServiceUnit(version: PostgresVersion, fence?: string): string {
  return renderTemplate('roles/postgres/templates/postgres.service.hbs', {
    fence: fence ?? '',
    version,
    user: POSTGRES_USER,
    group: POSTGRES_GROUP,
    dataDir: DATA_DIR,
    postgres: `${binDir(version)}/postgres`,
  });
}
