/**
 * m1's pgbouncer.service. Debian's 1.18 package ships only a SysV script;
 * a unit of the same name in /etc/systemd/system takes precedence over the
 * one systemd generates from it. PgBouncer links libsystemd, so Type=notify
 * makes `systemctl start` return once it listens. No -d: the process stays
 * in the foreground and logs to the journal.
 */
import { renderTemplate } from '../../templates/render.js';
import { PGBOUNCER_BIN, PGBOUNCER_INI, PGBOUNCER_USER } from './layout.js';

export function pgbouncerServiceUnit(): string {
  return renderTemplate('roles/pgbouncer/templates/pgbouncer.service.hbs', { bin: PGBOUNCER_BIN, ini: PGBOUNCER_INI, user: PGBOUNCER_USER });
}

/** Which files changed decides what PgBouncer needs: the ini a restart (listen settings), the others a reload. */
export type PgbouncerFile = 'ini' | 'databases' | 'userlist' | 'unit';
export function pgbouncerChangeAction(changed: readonly PgbouncerFile[]): 'none' | 'reload' | 'restart' {
  if (changed.includes('ini') || changed.includes('unit')) return 'restart';
  return changed.length > 0 ? 'reload' : 'none';
}
