/**
 * The base backups m1 starts detached (a systemd unit per backup, so that a
 * switchover returns before the backup ends), and their clean-up: a backup
 * whose source stopped being the primary fails, and Barman's `failed backups`
 * check fails until it is deleted.
 */
import { quote } from '../../engine/shell/quote.js';
import { backupInfoOfDir } from './backupInfo.js';
import { barmanCmd } from './commands.js';
import { BARMAN_USER } from './layout.js';

const unitSafe = (server: string) => server.replace(/[^A-Za-z0-9_-]/g, '_');

/** systemd unit name of a detached base backup. */
export function backupUnitName(server: string, now = Date.now()): string {
  return `m1-barman-backup-${unitSafe(server)}-${now}`;
}

/**
 * Stops the base backups m1 started detached (earlier switchovers) for `server` that still
 * run, and deletes the backups they left unfinished (FAILED, or STARTED with
 * its process gone), found by the directory each unit's journal names. A
 * backup of the host just demoted fails anyway (its source stopped as a
 * primary; `barman check` then reports `failed backups` until it is
 * deleted), and Barman takes one backup at a time, so the new primary's
 * backup would not start. Only m1's own units are touched: a failed backup
 * started otherwise still fails `barman check`. Prints what it did; runs as
 * root (systemctl, journal), Barman as barman.
 */
export function clearEarlierBackupsCommand(server: string): string {
  const units = `^m1-barman-backup-${unitSafe(server)}-[0-9]+[.]service$`;
  const started = `s#^Starting backup .* for server ${server.replace(/[.[\]*^$#\\]/g, '\\$&')} in \\(/.*/base/[0-9]\\{8\\}T[0-9]\\{6\\}\\)$#\\1#p`;
  return [
    `running=$(systemctl list-units --plain --no-legend --state=active,activating 'm1-barman-backup-*' | awk '{print $1}' | grep -E ${quote(units)})`,
    'if [ -n "$running" ]; then systemctl stop $running && echo "stopped $running"; fi',
    `for dir in $(journalctl -q -o cat -u 'm1-barman-backup-*' 2>/dev/null | sed -n ${quote(started)} | sort -u); do`,
    `  ${backupInfoOfDir()}`,
    '  [ -f "$f" ] || continue',
    '  grep -Eqx "status=(FAILED|STARTED)" "$f" || continue',
    // $id is a backup id (digits and a T: the pattern above), safe unquoted in barman's argument list.
    `  (cd / && runuser -u ${BARMAN_USER} -- ${barmanCmd('delete', server)} "$id") >/dev/null && echo "deleted unfinished backup $id"`,
    'done',
    'true',
  ].join('\n');
}
