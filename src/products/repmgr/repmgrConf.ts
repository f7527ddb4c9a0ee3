/**
 * repmgr.conf of a node (reference 5.1), tuned so that a dead primary is
 * replaced within 20 s. Option names checked against repmgr 5.3's
 * repmgr.conf.sample and the strings of Debian's repmgrd 5.3.3 binary: repmgr
 * warns about, but otherwise ignores, a misspelt key.
 *
 * Failure detection (repmgrd 5.3 on a standby, repmgrd-physical.c): every
 * monitor_interval_secs it pings the upstream (PQping, bounded by
 * connect_timeout in conninfo); when that fails it tries reconnect_attempts
 * times, the first at once, then reconnect_interval seconds apart, each try
 * bounded by connect_timeout, before it holds an election. The winner's
 * promote_command runs `repmgr standby promote`, which first connects to
 * every node registered as primary (the dead one included: connect_timeout
 * again) before pg_promote(). Where a drill's ~20 s went with 4 s between the
 * attempts (repmgrd's journal, docker-killed primary): 0-2 s until the next
 * ping, 2 s for it to fail, 3 x 2 + 2 x 4 = 14 s of attempts, 0.1 s of
 * election, 2.2-3.7 s in `standby promote` before pg_promote():
 *   TPA (6 attempts, 10 s apart, 2 s timeout): 2 + 6 x 2 + 5 x 10 = 64 s of checks: over 60 s.
 *   m1  (3 attempts,  3 s apart, 2 s timeout): 2 + 3 x 2 + 2 x 3 = 14 s of checks, + up to 2 s
 *   until the failing ping, + 2-4 s of election and `standby promote`: about 17-20 s.
 * 2 s is the least connect_timeout libpq takes (a 1 is read as 2). The checks
 * span 12 s from the failing ping to the start of the last try (which still
 * gets through when the network returns within its first second): an outage
 * shorter than about 12 s fails over never (a 10 s blip with 2 s to spare;
 * 2 s apart would leave none), a slow primary only when four connections in
 * a row take over 2 s each. The quiet run of `npm run
 * bench:drill` (10 minutes of writes, every core busy) checks that no failover
 * comes without a fault.
 */
import { UsageError } from '../../errors.js';
import type { Cluster, Instance } from '../../inventory/cluster.js';
import { renderTemplate } from '../../templates/render.js';
import { clusterVar, hostVar, varError } from '../../config/vars.js';
import { REPMGR_NOTIFIED_EVENTS, repmgrEventCommand } from '../notify/notify.js';
import { VARIABLES } from '../../config/variables.js';
import { DATA_DIR, POSTGRES_SERVICE, binDir } from '../postgres/layout.js';
import { POSTGRES_PGPASS } from '../postgres/pgpass.js';
import { repmgrDsn } from './conninfo.js';
import { REPMGR_SERVICE, followScriptPath, promoteScriptPath } from './layout.js';
import { wantedRestoreCommand } from './restoreCommand.js';

export const FAILOVER_TUNING = {
  monitor_interval_secs: VARIABLES.repmgr_monitor_interval_secs.default,
  reconnect_attempts: VARIABLES.repmgr_reconnect_attempts.default,
  reconnect_interval: VARIABLES.repmgr_reconnect_interval.default,
  connect_timeout: 2,
} as const;

/**
 * ssh_options: `repmgr standby switchover` runs about a dozen SSH commands
 * on the old primary (version, config and archive checks, stop, a shutdown
 * check a second, rejoin) and one or two per sibling, one after the other.
 * One multiplexed connection per host (ControlMaster, kept 30 s after its
 * last use) makes each later one ~20 ms instead of a new SSH handshake
 * (~0.3 s here, 1 s under load). ServerAlive bounds a connection to a host
 * that died to 6 s, so a stale master never hangs a command for long.
 */
export const REPMGR_SSH_OPTIONS =
  '-q -o BatchMode=yes -o ConnectTimeout=5 -o ControlMaster=auto -o ControlPath=~/.ssh/m1-cm-%C -o ControlPersist=30 -o ServerAliveInterval=2 -o ServerAliveCountMax=3';

type ConfValue = string | number | boolean;

/** repmgr.conf values: booleans true/false, numbers bare, strings single-quoted (repmgr has no escape for a quote). */
export function formatRepmgrValue(v: ConfValue): string {
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return String(v);
  if (/['\r\n]/.test(v)) throw new UsageError(`repmgr.conf value ${JSON.stringify(v)}: quotes and line breaks cannot be written`);
  return `'${v}'`;
}

/**
 * The node's conninfo as repmgr and its peers use it (repmgrd's connection
 * to a standby's upstream, and the primary_conninfo repmgr writes from it).
 * tcp_user_timeout and keepalives bound a connection whose peer was cut off:
 * without them a query repmgrd sent on its connection to a primary whose
 * replies are dropped waits for TCP's retransmissions (minutes), and
 * repmgrd neither pings nor fails over meanwhile.
 */
export function nodeConninfo(host: string): string {
  return `${repmgrDsn(host)} application_name=${host} connect_timeout=${FAILOVER_TUNING.connect_timeout} ${CUT_OFF_BOUNDS}`;
}

/**
 * An unacknowledged send fails after 3 s (it is the first failed ping of a
 * cut-off primary, counted before repmgr's reconnect attempts); an idle
 * connection is probed after 5 s, then every 2 s, 3 times.
 */
export const CUT_OFF_BOUNDS = 'tcp_user_timeout=3000 keepalives=1 keepalives_idle=5 keepalives_interval=2 keepalives_count=3';

export function repmgrSettings(cluster: Cluster, instance: Instance): [string, ConfValue][] {
  const version = cluster.postgresVersion;
  if (instance.name.length > 63) throw varError(cluster, `instances[${instance.name}]`, 'repmgr node names are at most 63 characters');
  const failover = hostVar(cluster, instance, 'repmgr_failover');
  const s: [string, ConfValue][] = [
    ['node_id', instance.node],
    ['node_name', instance.name],
    ['conninfo', nodeConninfo(instance.name)],
    ['data_directory', DATA_DIR],
    ['pg_bindir', binDir(version)],
    // primary_conninfo written by clone/follow carries passfile=, so the walreceiver finds the password.
    ['passfile', POSTGRES_PGPASS],
    // No replication_type: physical is its default everywhere, and repmgr 5.2 (Debian 11) refuses the
    // value 'physical' ("replication_type: invalid value"), which 5.3 takes.
    ['use_replication_slots', hostVar(cluster, instance, 'repmgr_use_slots')],
  ];
  const location = hostVar(cluster, instance, 'repmgr_location');
  if (location !== undefined) s.push(['location', location]);
  const priority = hostVar(cluster, instance, 'repmgr_priority');
  if (priority >= 0) s.push(['priority', priority]);
  s.push(
    ['failover', failover],
    ['promote_command', promoteScriptPath(version)],
    // %n: the node id repmgrd wants followed (the new primary, or the failed upstream's upstream).
    ['follow_command', `${followScriptPath(version)} %n`],
    ['monitor_interval_secs', hostVar(cluster, instance, 'repmgr_monitor_interval_secs')],
    ['connection_check_type', 'ping'],
    ['reconnect_attempts', hostVar(cluster, instance, 'repmgr_reconnect_attempts')],
    ['reconnect_interval', hostVar(cluster, instance, 'repmgr_reconnect_interval')],
    // Standbys that still see the primary veto a failover (repmgr 4.4+): a partition of one
    // location does not promote a second primary while the other still has it.
    ['primary_visibility_consensus', true],
    // Not standby_disconnect_on_failover: it adds 5 s plus a wait for every sibling to every failover.
    ['standby_disconnect_on_failover', false],
    ['async_query_timeout', 60],
    ['log_level', 'INFO'],
    // repmgrd's stderr goes to the journal (journalctl -u repmgr).
    ['log_facility', 'STDERR'],
    ['monitoring_history', false],
    ['ssh_options', REPMGR_SSH_OPTIONS],
    ['service_start_command', `sudo systemctl start ${POSTGRES_SERVICE}`],
    ['service_stop_command', `sudo systemctl stop ${POSTGRES_SERVICE}`],
    ['service_restart_command', `sudo systemctl restart ${POSTGRES_SERVICE}`],
    ['service_reload_command', `sudo systemctl reload ${POSTGRES_SERVICE}`],
    ['repmgrd_service_start_command', `sudo systemctl start ${REPMGR_SERVICE}`],
    ['repmgrd_service_stop_command', `sudo systemctl stop ${REPMGR_SERVICE}`],
  );
  if (clusterVar(cluster, 'notification_command') !== undefined) {
    s.push(['event_notification_command', repmgrEventCommand()], ['event_notifications', REPMGR_NOTIFIED_EVENTS.join(',')]);
  }
  const restore = wantedRestoreCommand(cluster, instance);
  if (restore !== undefined) s.push(['restore_command', restore]);
  return s;
}

export function repmgrConf(cluster: Cluster, instance: Instance): string {
  return renderTemplate('roles/repmgr/templates/repmgr.conf.hbs', {
    node: instance.name,
    settings: repmgrSettings(cluster, instance).map(([name, v]) => ({ name, value: formatRepmgrValue(v) })),
  });
}
