/**
 * What follows the primary after a switchover, as engine roles so they write
 * exactly what `m1 deploy` would (a deploy afterwards changes nothing):
 *
 * - every PgBouncer's databases file points at the new primary, then a HUP
 *   (a planned switchover runs no promote hook: m1 does it, TPA#213);
 * - the Barman server follows the new primary in two halves: `follow` as soon
 *   as the target is promoted (conf, slot, receive-wal reset and restart) and
 *   `finish` once the old primary streams again (stale slots dropped, a new
 *   base backup started in the background, `barman check`, the target
 *   recorded). The base backup runs detached (systemd-run), after a wait
 *   until Barman streams from the new primary and one WAL segment archived:
 *   a switchover must not wait for a copy of the whole database.
 */
import { defineRole, directory, file, reload, waitUntil, command, type Operation, type Role } from '../../../src/engine/index.js';
import { hasRole, instanceByName, type Cluster } from '../../../src/inventory/cluster.js';
import { quote } from '../../../src/engine/index.js';
import { databasesIni, pgbouncerDatabases } from '../../../src/products/pgbouncer/databases.js';
import { DATABASES_INI, PGBOUNCER_SERVICE, PGBOUNCER_USER } from '../../../src/products/pgbouncer/layout.js';
import type { LiveState } from '../../../src/inventory/liveTopology.js';
import { barmanServerConf } from '../../../src/products/barman/serverConf.js';
import { barmanPlan, type BarmanStep } from '../../../src/products/barman/plan.js';
import { barmanStepOperation } from '../../../roles/barman/stepOperation.js';
import { asBarman, barmanCmd, waitForStreamingCommand, withWalNudge } from '../../../src/products/barman/commands.js';
import { BARMAN_HOME, BARMAN_USER, serverConfPath } from '../../../src/products/barman/layout.js';
import { STATE_DIR, clearDetachedBackups, targetStatePath } from '../../../roles/barman/role.js';
import { barmanSlotName, type BarmanServer } from '../../../src/products/barman/serverName.js';

/** The role name of repointPgbouncerRole (its results tell when clients were repointed). */
export const REPOINT_ROLE = 'pgbouncer repoint';

/** PgBouncer on its host sends clients to `primary` (the same file the pgbouncer role writes). */
export function repointPgbouncerRole(cluster: Cluster, primary: string): Role {
  return defineRole(REPOINT_ROLE, (h) => {
    const me = instanceByName(cluster, h.host);
    if (!me || !hasRole(me, 'pgbouncer')) return [];
    return [
      file({
        name: `${DATABASES_INI}: clients to ${primary}`,
        path: DATABASES_INI,
        content: databasesIni(pgbouncerDatabases(cluster), primary),
        owner: PGBOUNCER_USER,
        group: PGBOUNCER_USER,
        mode: '0600',
        notify: reload(PGBOUNCER_SERVICE),
      }),
    ];
  });
}

export interface BarmanRetarget {
  cluster: Cluster;
  server: BarmanServer;
  /** The new primary. */
  target: string;
  /** The host the server backed up before (its recorded target, else its conf's). */
  previousTarget?: string;
  hasBackups: boolean;
  /** Data nodes other than the target, where a stale Barman slot may be left. */
  otherPostgresHosts: readonly string[];
}

/** The base backup step of barmanPlan (run detached here instead). */
export function isBaseBackupStep(step: BarmanStep, server: string): boolean {
  return step.display === barmanCmd('backup', '--wait', server) || /\bbarman['"]? ['"]?backup['"]? /.test(step.command);
}

/**
 * barmanPlan's steps for this retarget, split: what follows the primary now,
 * what waits for the old one to stream, and what the detached base backup
 * does first. The wait until pg_receivewal streams and the WAL switch
 * (seconds: polled once a second, and a segment to archive) are left to the
 * detached unit: `barman check` and the verification's reading of the slot
 * already say that Barman streams from the new primary, and a later deploy
 * finds nothing to change without them.
 */
export function splitBarmanPlan(r: BarmanRetarget): { follow: BarmanStep[]; finish: BarmanStep[]; detached: BarmanStep[]; backup: boolean } {
  const steps = barmanPlan({
    server: r.server,
    version: r.cluster.postgresVersion,
    target: r.target,
    previousTarget: r.previousTarget,
    hasBackups: r.hasBackups,
    confChanges: true,
    otherPostgresHosts: r.otherPostgresHosts,
  });
  const backup = steps.some((s) => isBaseBackupStep(s, r.server.name));
  const rest = steps.filter((s) => !isBaseBackupStep(s, r.server.name));
  const later = (s: BarmanStep) => isWaitForStreamingStep(s, r) || isSwitchWalStep(s, r.server.name);
  // Stale slots are dropped once the old primary runs again (it is restarting at promotion time).
  return { follow: rest.filter((s) => !s.tolerateFailure && !later(s)), finish: rest.filter((s) => s.tolerateFailure), detached: rest.filter(later), backup };
}

function isWaitForStreamingStep(step: BarmanStep, r: BarmanRetarget): boolean {
  return step.command === waitForStreamingCommand(r.target, barmanSlotName(r.server.barmanHost));
}

function isSwitchWalStep(step: BarmanStep, server: string): boolean {
  return (step.display ?? step.command).startsWith(barmanCmd('switch-wal', '--archive')) && step.command.includes(` ${server}`);
}

/**
 * Starts `barman backup --wait` (WAL nudged, as the barman role does)
 * detached from the SSH session, as barman, after `before` (the follow's
 * wait until Barman streams and its WAL switch): each must succeed.
 */
export function detachedBackupCommand(server: string, target: string, unit: string, before: readonly BarmanStep[] = []): string {
  const script = [...before.map((s) => `{\n${s.command}\n} || exit 1`), withWalNudge(barmanCmd('backup', '--wait', server), target, 3600)].join('\n');
  return `systemd-run --quiet --collect --unit=${quote(unit)} --uid=${BARMAN_USER} --gid=${BARMAN_USER} --setenv=HOME=${BARMAN_HOME} --working-directory=${BARMAN_HOME} /bin/sh -c ${quote(script)}`;
}

/**
 * barmanPlan steps run side by side as one step, for steps that touch
 * different things (the new primary's slot and Barman's receive-wal):
 * each one's output, and its status judged as
 * barmanStepOperation would (`alreadyDone` output counts as success). Exits
 * with the status of the last one that failed.
 */
export function sideBySide(steps: readonly BarmanStep[]): BarmanStep {
  if (steps.length === 1) return steps[0]!;
  const lines = ['d=$(mktemp -d) || exit 1'];
  steps.forEach((st, i) => lines.push(`(\n${st.command}\n) >"$d/${i}" 2>&1 &`, `p${i}=$!`));
  lines.push('rc=0');
  steps.forEach((st, i) => {
    const done = st.alreadyDone ? ` && ! grep -Eq ${quote(st.alreadyDone.source)} "$d/${i}"` : '';
    lines.push(`wait "$p${i}"; r=$?; cat "$d/${i}"; if [ "$r" -ne 0 ]${done}; then rc=$r; fi`);
  });
  lines.push('rm -rf "$d"', 'exit "$rc"');
  return {
    host: steps[0]!.host,
    user: steps[0]!.user,
    command: lines.join('\n'),
    display: steps.map((st) => st.display ?? st.command.split('\n')[0]!.trim()).join(' & '),
    why: steps.map((st) => st.why).join('; '),
    ...(steps.every((st) => st.tolerateFailure) ? { tolerateFailure: true } : {}),
  };
}

/**
 * Barman follows the new primary, as soon as it is promoted: server conf;
 * the slot on the new primary while receive-wal is stopped and reset (side
 * by side); receive-wal started; a wait until it streams (asked every 200
 * ms: `barman check` fails until then, and takes a second of Python);
 * earlier switchovers' unfinished base backups cleared (they would fail
 * `barman check`); `barman check`; the target recorded. The rest waits for
 * the old primary (finish).
 */
export function barmanFollowRole(r: BarmanRetarget): Role {
  return defineRole('barman follows the primary', function* (h) {
    if (h.host !== r.server.barmanHost) return;
    const live: LiveState = { primary: r.target, upstreams: {} };
    const path = serverConfPath(r.server.name);
    yield file({ name: `${path}: backs up ${r.target}`, path, content: barmanServerConf(r.cluster, live, r.server), owner: BARMAN_USER, group: BARMAN_USER, mode: '0600' });
    const split = splitBarmanPlan(r);
    // The slot and the reset are independent; receive-wal (started by `barman cron`) needs both.
    const slot = split.follow.filter((st) => st.alreadyDone !== undefined);
    const rest = split.follow.filter((st) => st.alreadyDone === undefined);
    const reset = rest.filter((st) => st.command.includes('--reset'));
    if (slot.length + reset.length > 0) yield barmanStepOperation(sideBySide([...slot, ...reset]));
    for (const step of rest.filter((st) => !reset.includes(st))) yield barmanStepOperation(step);
    // Before the check: an earlier switchover's backup of the host just demoted failed (or will).
    if (split.backup) yield clearDetachedBackups(r.server.name);
    const slotName = barmanSlotName(r.server.barmanHost);
    yield waitUntil({
      name: streamingTask(r.server.name, r.target),
      // One check, no sleep: the engine asks again.
      cmd: asBarman(waitForStreamingCommand(r.target, slotName, 1)),
      timeoutMs: 60_000,
      intervalMs: 200,
    });
    const check: Operation = waitUntil({
      name: barmanCheckTask(r.server.name),
      cmd: asBarman(`out=$(${barmanCmd('check', r.server.name)} 2>&1) || { printf '%s\n' "$out" | grep -E 'FAILED|ERROR' >&2; exit 1; }`),
      timeoutMs: 90_000,
      intervalMs: 1000,
    });
    yield check;
    yield directory({ path: STATE_DIR, owner: 'root', group: 'root', mode: '0755' });
    yield file({ path: targetStatePath(r.server.name), content: `${r.target}\n`, owner: 'root', group: 'root', mode: '0644', name: `${targetStatePath(r.server.name)}: ${r.target}` });
  });
}

/** The task name of the follow's wait until Barman streams (once done, a reading of the cluster can check Barman). */
export function streamingTask(server: string, target: string): string {
  return `wait until Barman ${server} streams from ${target}`;
}

/** The task name of the follow's `barman check` (its result decides the verification's Barman row). */
export function barmanCheckTask(server: string): string {
  return `barman check ${server}`;
}

/**
 * Once the old primary runs again, while the switchover's checks read the
 * cluster: Barman's unused slots dropped on the other data nodes; a base
 * backup of the new primary started detached (after a wait until Barman
 * streams and one WAL segment archived).
 */
export function barmanFinishRole(r: BarmanRetarget, unit: string): Role {
  return defineRole('barman finishes the retarget', function* (h) {
    if (h.host !== r.server.barmanHost) return;
    const split = splitBarmanPlan(r);
    for (const step of split.finish) yield barmanStepOperation(step);
    if (split.backup) {
      yield command({ name: `base backup of ${r.target} on its timeline, detached (systemd unit ${unit})`, cmd: detachedBackupCommand(r.server.name, r.target, unit, split.detached) });
    }
  });
}
