/**
 * Failure notifications: `notification_command` in cluster_vars names an
 * executable present on every Postgres host (the user's: a pager, a chat
 * hook). m1 installs a wrapper, m1-notify, that runs it in the background,
 * bounded, so a slow or broken hook never delays a promotion or a fence:
 *
 *   <notification_command> <source> <event> <node> <success>
 *
 * - source `repmgr`: repmgr's own events (event_notification_command), the
 *   ones about who is primary: standby_promote, repmgrd_failover_promote,
 *   standby_follow, repmgrd_failover_follow, node_rejoin, standby_switchover,
 *   repmgrd_failover_aborted; success is 1 or 0;
 * - source `m1`: the runtime fence (fence, fence_lifted, fence_stop).
 * The command runs as the user that saw the event (postgres for repmgr, root
 * for the fence). A failure is logged (`journalctl -t m1-notify`), never
 * retried.
 */
import { quote } from '../../engine/shell/quote.js';

export const NOTIFY_PATH = '/usr/local/sbin/m1-notify';
/** Seconds the user's command may run. */
export const NOTIFY_TIMEOUT_S = 60;

/** repmgr's events that say who is primary, and the rejoins. */
export const REPMGR_NOTIFIED_EVENTS = [
  'standby_promote',
  'repmgrd_failover_promote',
  'standby_follow',
  'repmgrd_failover_follow',
  'node_rejoin',
  'standby_switchover',
  'repmgrd_failover_aborted',
] as const;

export function notifyScript(command: string): string {
  return [
    '#!/bin/sh',
    '# Written by m1: hands a failover event to notification_command (config.yml) without waiting for it.',
    '# m1-notify <source> <event> <node> <success>',
    `( timeout ${NOTIFY_TIMEOUT_S} ${quote(command)} "$@" >/dev/null 2>&1; rc=$?`,
    `  [ "$rc" = 0 ] || logger -t m1-notify "notification_command exited $rc for: $*" ) </dev/null >/dev/null 2>&1 &`,
    'exit 0',
    '',
  ].join('\n');
}

/** repmgr.conf's event_notification_command: repmgr fills in the event (%e), the node's name (%a), 1 or 0 (%s). Its free-text details (%d) are left out: repmgr puts them into a shell command unquoted. */
export function repmgrEventCommand(): string {
  return `${NOTIFY_PATH} repmgr %e %a %s`;
}

/** How the fence (as root, in its shell) reports an event; nothing when no hook is installed. */
export function notifyFromShell(event: string, node: string): string {
  // An if, not &&: without a hook the statement still succeeds (it may end a shell function).
  return `if [ -x ${NOTIFY_PATH} ]; then ${NOTIFY_PATH} m1 ${event} ${node} 1; fi`;
}
