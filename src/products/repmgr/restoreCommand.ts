/**
 * restore_command as `repmgr_restore_from_barman` says, on every repmgr data
 * node. repmgr copies restore_command from repmgr.conf into
 * postgresql.auto.conf when it clones or points a standby elsewhere, and never
 * removes it: turning the variable off (or a node cloned while it was on)
 * would keep asking Barman at every start and promotion. Deploy reads the
 * value in postgresql.auto.conf (pg_file_settings, so a value not loaded yet
 * counts) and sets or resets it there with ALTER SYSTEM.
 */
import type { Cluster, Instance, PostgresVersion } from '../../inventory/cluster.js';
import { hostVar } from '../../config/vars.js';
import { VARIABLES } from '../../config/variables.js';
import { literal } from '../postgres/sqlQuote.js';
import { barmanHostFor, barmanServerName } from '../barman/serverName.js';

/** Default of `repmgr_restore_from_barman` (see barmanRestoreCommand). */
export const RESTORE_FROM_BARMAN_DEFAULT = VARIABLES.repmgr_restore_from_barman.default;

/**
 * restore_command for clones (repmgr writes it into the standby's config):
 * fetch WAL the upstream no longer has from Barman. Only when the cluster is
 * backed up; the Barman server name does not change with the primary.
 *
 * Opt-in (`repmgr_restore_from_barman: true`), unlike TPA, which always sets
 * it when the cluster is backed up: Postgres runs it before streaming on
 * every promotion and every standby start (one SSH call to Barman per
 * segment and timeline history file it asks for), which made a repmgr
 * switchover 26 s instead of 9 s here. Standbys use replication slots
 * (`repmgr_use_slots`), so their upstream keeps the WAL they need.
 */
export function barmanRestoreCommand(cluster: Cluster): string | undefined {
  const barman = barmanHostFor(cluster);
  if (!barman) return undefined;
  return `/usr/bin/barman-wal-restore -U barman -z -p 8 --port 22 ${barman} ${barmanServerName(cluster)} %f %p`;
}

/** The restore_command repmgr.conf names for `instance`, or undefined for none. */
export function wantedRestoreCommand(cluster: Cluster, instance: Instance): string | undefined {
  const restore = barmanRestoreCommand(cluster);
  if (restore === undefined || !hostVar(cluster, instance, 'repmgr_restore_from_barman')) return undefined;
  return restore;
}

/** One row: the value of restore_command in postgresql.auto.conf, nothing when it has none. */
export const AUTO_CONF_RESTORE_COMMAND_SQL =
  "SELECT setting FROM pg_file_settings WHERE name = 'restore_command' AND sourcefile LIKE '%/postgresql.auto.conf' ORDER BY seqno DESC LIMIT 1";

export interface RestoreCommandChange {
  name: string;
  sql: string;
}

/**
 * The ALTER SYSTEM that makes postgresql.auto.conf hold `want` (undefined:
 * no restore_command), or undefined when it already does. Before 12 recovery
 * settings live in recovery.conf, which repmgr rewrites: nothing to do.
 * restore_command is reloadable from 15; before, it applies at the next start.
 */
export function restoreCommandChange(version: PostgresVersion, live: string | undefined, want: string | undefined): RestoreCommandChange | undefined {
  if (version < 12) return undefined;
  const current = live === '' ? undefined : live;
  if (current === want) return undefined;
  const when = version >= 15 ? '' : ' (applies at the next restart)';
  if (want === undefined) {
    return { name: `restore_command: reset in postgresql.auto.conf (repmgr_restore_from_barman is off)${when}`, sql: 'ALTER SYSTEM RESET restore_command;\nSELECT pg_reload_conf();\n' };
  }
  return { name: `restore_command: fetch WAL from Barman (repmgr_restore_from_barman)${when}`, sql: `ALTER SYSTEM SET restore_command = ${literal(want)};\nSELECT pg_reload_conf();\n` };
}
