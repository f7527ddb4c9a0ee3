/**
 * Where Barman keeps each backup's backup.info, as shell loops over them.
 * Up to Barman 3.13.1 (Debian 11: 2.12, Debian 12: 3.4) it lies beside the
 * backup, `<server>/base/<id>/backup.info`; from 3.13.2 (Debian 13: 3.13.3)
 * in `<server>/meta/<id>-backup.info`, and Barman reads both, the meta copy
 * winning (barman/backup.py `_load_backup_cache`). A reader of one location
 * alone sees no backup on Debian 13: deploy then took a new base backup on
 * every run.
 */
import { quote } from '../../engine/shell/quote.js';

/**
 * Shell: runs `body` once per backup of the server whose directory is
 * `serverDir` (`/var/lib/barman/<server>`), with `$id` the backup id and
 * `$f` its backup.info; a backup with both copies once, with the meta one.
 */
export function forEachBackupInfo(serverDir: string, body: string): string {
  const dir = quote(serverDir);
  return (
    `for f in ${dir}/meta/*-backup.info ${dir}/base/*/backup.info; do [ -f "$f" ] || continue;` +
    ` case "$f" in */meta/*-backup.info) id=$(basename "$f" -backup.info) ;;` +
    ` *) id=$(basename "$(dirname "$f")"); [ -f ${dir}/meta/"$id"-backup.info ] && continue ;; esac;` +
    ` ${body}; done`
  );
}

/** Shell: sets `$f` to the backup.info of the backup whose directory is `$dir` (`<server>/base/<id>`), wherever this Barman keeps it. */
export function backupInfoOfDir(): string {
  return 'id=$(basename "$dir"); f="$(dirname "$(dirname "$dir")")/meta/$id-backup.info"; [ -f "$f" ] || f="$dir/backup.info"';
}
