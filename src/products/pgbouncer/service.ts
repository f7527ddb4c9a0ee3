/**
 * m1's pgbouncer.service. Debian 12's package (1.18) ships
 * /lib/systemd/system/pgbouncer.service, Debian 11's (1.15) only a SysV
 * script; a unit of the same name in /etc/systemd/system takes precedence
 * over either. No -d: the process stays in the foreground
 * and logs to the journal. Type=notify when the binary links libsystemd
 * (Debian 12's 1.18: `systemctl start` returns once it listens); Debian 11's
 * 1.15 is built without systemd support ("systemd support was not built"),
 * and under Type=notify its start would time out, so it gets Type=simple
 * (the role waits until it listens either way).
 */
import { renderTemplate } from '../../templates/render.js';
import { PGBOUNCER_BIN, PGBOUNCER_INI, PGBOUNCER_SERVICE, PGBOUNCER_UNIT_PATH, PGBOUNCER_USER } from './layout.js';
import type { ServiceState } from '../../engine/commands/systemctl.js';

export function pgbouncerServiceUnit(options: { notify: boolean } = { notify: true }): string {
  return renderTemplate('roles/pgbouncer/templates/pgbouncer.service.hbs', {
    type: options.notify ? 'notify' : 'simple',
    bin: PGBOUNCER_BIN,
    ini: PGBOUNCER_INI,
    user: PGBOUNCER_USER,
  });
}

/** Prints "notify" when the binary links libsystemd (sd_notify), "simple" when not; nothing when it is not installed. */
export const PGBOUNCER_NOTIFY_PROBE = `test -x ${PGBOUNCER_BIN} || exit 0; if ldd ${PGBOUNCER_BIN} | grep -q libsystemd; then echo notify; else echo simple; fi`;

/** The probe's answer; an absent binary (check mode before the install) counts as notify-capable. */
export function parseNotifyProbe(stdout: string): boolean {
  return stdout.trim() !== 'simple';
}

/**
 * True (exit 0) while systemd still runs pgbouncer.service as the unit it
 * generated from the SysV script. systemd 247 (Debian 11) does not notice
 * that a file in /etc/systemd/system now shadows a generated unit: it says
 * NeedDaemonReload=no, so the service step and a restart would keep using
 * the SysV script (systemd 252, Debian 12, notices and reloads).
 */
const GENERATED_UNITS = '/run/systemd/generator';
export const PGBOUNCER_UNIT_IS_GENERATED = `systemctl show -p FragmentPath --value ${PGBOUNCER_SERVICE}.service | grep -q '^${GENERATED_UNITS}'`;

/** The same, from the service fact already read (the command above then confirms it on the host). */
export function unitIsGenerated(state: Pick<ServiceState, 'fragmentPath'>): boolean {
  return state.fragmentPath.startsWith(GENERATED_UNITS);
}

/**
 * True (exit 0) while systemd runs pgbouncer.service from another file than
 * m1's unit. Seen on Debian 12 too (systemd 252), with the package installed
 * and started before deploy (the test image): m1's unit written, the
 * restart it notifies still ran the package's /lib unit (SIGINT to stop,
 * no Restart=), until the next `systemctl daemon-reload`, which a package
 * upgrade (postgresql-common's) runs: the unit then changed under the
 * running PgBouncer in the middle of m1 upgrade.
 */
export const PGBOUNCER_UNIT_NOT_LOADED = `systemctl show -p FragmentPath --value ${PGBOUNCER_SERVICE}.service | grep -qvx ${PGBOUNCER_UNIT_PATH}`;

/** Whether systemd runs pgbouncer.service from m1's unit, from the service fact (PGBOUNCER_UNIT_NOT_LOADED confirms the opposite on the host). */
export function unitIsLoaded(state: Pick<ServiceState, 'fragmentPath'>): boolean {
  return state.fragmentPath === PGBOUNCER_UNIT_PATH;
}

/**
 * Stops the package's PgBouncer (started by its SysV script on install, or at
 * boot) before m1 writes its own pgbouncer.ini and unit: once the ini is
 * replaced the SysV script cannot find its pid file, and the stray process
 * keeps port 6432 from m1's unit. Waits until no pgbouncer process is left.
 */
export const STOP_SYSV_PGBOUNCER =
  `systemctl stop ${PGBOUNCER_SERVICE}.service; for p in $(pidof pgbouncer); do kill "$p"; done; ` +
  'for i in $(seq 100); do pidof pgbouncer >/dev/null || exit 0; sleep 0.1; done; echo "pgbouncer still running after 10 s" >&2; exit 1';

/** Which files changed decides what PgBouncer needs: the ini a restart (listen settings), the others a reload. */
export type PgbouncerFile = 'ini' | 'databases' | 'userlist' | 'unit';
export function pgbouncerChangeAction(changed: readonly PgbouncerFile[]): 'none' | 'reload' | 'restart' {
  if (changed.includes('ini') || changed.includes('unit')) return 'restart';
  return changed.length > 0 ? 'reload' : 'none';
}
