/**
 * What follows the primary after a switchover, as engine roles so they write
 * exactly what `m1 deploy` would (a deploy afterwards changes nothing):
 *
 * - every PgBouncer's databases file points at the new primary, then a HUP
 *   (a planned switchover runs no promote hook: m1 does it, TPA#213);
 * - the Barman server follows the new primary in two halves: `follow` as soon
 *   as the target is promoted (conf, slot, receive-wal reset and restart, one
 *   WAL segment archived from the new primary) and `finish` once the old
 *   primary streams again (stale slots dropped, a new base backup started in
 *   the background, `barman check`, the target recorded). The base backup
 *   runs detached (systemd-run): a switchover must not wait for a copy of the
 *   whole database.
 */
import { defineRole, directory, file, reload, waitUntil, command, type Operation, type Role } from '../src/engine/index.js';
import { hasRole, instanceByName, type Cluster } from '../src/inventory/cluster.js';
import { quote } from '../src/engine/index.js';
import { databasesIni, pgbouncerDatabases } from '../roles/pgbouncer/databases.js';
import { DATABASES_INI, PGBOUNCER_SERVICE, PGBOUNCER_USER } from '../roles/pgbouncer/layout.js';
import type { LiveState } from '../roles/common/liveTopology.js';
import { barmanServerConf } from '../roles/barman/serverConf.js';
import { barmanPlan, type BarmanStep } from '../roles/barman/plan.js';
import { barmanStepOperation } from '../roles/barman/stepOperation.js';
import { asBarman, barmanCmd, withWalNudge } from '../roles/barman/commands.js';
import { BARMAN_HOME, BARMAN_USER, serverConfPath } from '../roles/barman/layout.js';
import { STATE_DIR, targetStatePath } from '../roles/barman/index.js';
import type { BarmanServer } from '../roles/barman/serverName.js';

/** PgBouncer on its host sends clients to `primary` (the same file the pgbouncer role writes). */
export function repointPgbouncerRole(cluster: Cluster, primary: string): Role {
  return defineRole('pgbouncer repoint', (h) => {
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

/** barmanPlan's steps for this retarget, split: what follows the primary now, what waits for the old one to stream. */
export function splitBarmanPlan(r: BarmanRetarget): { follow: BarmanStep[]; finish: BarmanStep[]; backup: boolean } {
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
  // Stale slots are dropped once the old primary runs again (it is restarting at promotion time).
  return { follow: rest.filter((s) => !s.tolerateFailure), finish: rest.filter((s) => s.tolerateFailure), backup };
}

/** systemd unit name of a detached base backup. */
export function backupUnitName(server: string, now = Date.now()): string {
  return `m1-barman-backup-${server.replace(/[^A-Za-z0-9_-]/g, '_')}-${now}`;
}

/** Starts `barman backup --wait` (WAL nudged, as the barman role does) detached from the SSH session, as barman. */
export function detachedBackupCommand(server: string, target: string, unit: string): string {
  const script = withWalNudge(barmanCmd('backup', '--wait', server), target, 3600);
  return `systemd-run --quiet --collect --unit=${quote(unit)} --uid=${BARMAN_USER} --gid=${BARMAN_USER} --setenv=HOME=${BARMAN_HOME} --working-directory=${BARMAN_HOME} /bin/sh -c ${quote(script)}`;
}

export function barmanFollowRole(r: BarmanRetarget): Role {
  return defineRole('barman follows the primary', function* (h) {
    if (h.host !== r.server.barmanHost) return;
    const live: LiveState = { primary: r.target, upstreams: {} };
    const path = serverConfPath(r.server.name);
    yield file({ name: `${path}: backs up ${r.target}`, path, content: barmanServerConf(r.cluster, live, r.server), owner: BARMAN_USER, group: BARMAN_USER, mode: '0600' });
    for (const step of splitBarmanPlan(r).follow) yield barmanStepOperation(step);
  });
}

export function barmanFinishRole(r: BarmanRetarget, unit: string): Role {
  return defineRole('barman finishes the retarget', function* (h) {
    if (h.host !== r.server.barmanHost) return;
    const split = splitBarmanPlan(r);
    for (const step of split.finish) yield barmanStepOperation(step);
    if (split.backup) {
      yield command({ name: `base backup of ${r.target} on its timeline, detached (systemd unit ${unit})`, cmd: detachedBackupCommand(r.server.name, r.target, unit) });
    }
    const check: Operation = waitUntil({
      name: `barman check ${r.server.name}`,
      cmd: asBarman(`out=$(${barmanCmd('check', r.server.name)} 2>&1) || { printf '%s\n' "$out" | grep -E 'FAILED|ERROR' >&2; exit 1; }`),
      timeoutMs: 90_000,
      intervalMs: 2000,
    });
    yield check;
    yield directory({ path: STATE_DIR, owner: 'root', group: 'root', mode: '0755' });
    yield file({ path: targetStatePath(r.server.name), content: `${r.target}\n`, owner: 'root', group: 'root', mode: '0644', name: `${targetStatePath(r.server.name)}: ${r.target}` });
  });
}
