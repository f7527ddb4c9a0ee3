/**
 * What to run so a Barman server backs up the right host: first setup, or a
 * retarget after the primary moved (a failover or a switchover). Pure: the
 * deploy supplies the facts (the target the server conf names now, whether
 * the server has backups) and runs the steps in order, stopping at the first
 * failure that is not marked tolerable, after writing the server conf; then
 * `barman check` (the role runs it on every deploy). See README.md for the
 * reasoning. Every step runs on the Barman host as barman (checked against
 * Barman 3.4 and PostgreSQL 15: a non-superuser barman cannot
 * `switch-wal --force`, which wants a CHECKPOINT, so WAL is written instead).
 */
import type { PostgresVersion } from '../../inventory/cluster.js';
import { barmanCmd, dropSlotCommand, waitForStreamingCommand, withWalNudge } from './commands.js';
import { BARMAN_USER } from './layout.js';
import { barmanSlotName, type BarmanServer } from './serverName.js';
import { dropStaleSlotCommand } from './staleSlot.js';

export interface BarmanStep {
  /** Host the step runs on (the Barman host). */
  host: string;
  /** OS user it runs as. */
  user: 'barman';
  /** Shell command. */
  command: string;
  /** What progress lines and errors show instead of a multi-line command. */
  display?: string;
  why: string;
  /** Output that means "already done" rather than failure (e.g. a slot that exists). */
  alreadyDone?: RegExp;
  /** A failure here is reported but does not stop the plan (the old primary may be gone). */
  tolerateFailure?: boolean;
}

export interface BarmanPlanInput {
  server: BarmanServer;
  /** PostgreSQL major version of the cluster (pg_receivewal to drop stale slots). */
  version: PostgresVersion;
  /** The host the server must back up now (backupTarget()). */
  target: string;
  /** The host the server conf names now; undefined before the first deploy. */
  previousTarget?: string;
  /** Whether `barman list-backups` shows at least one DONE backup. */
  hasBackups: boolean;
  /** Whether the server conf is about to change (content differs). */
  confChanges: boolean;
  /**
   * Postgres hosts other than the target where a stale Barman slot may be
   * left (the previous target first); defaults to the previous target only.
   */
  otherPostgresHosts?: readonly string[];
}

const barman = barmanCmd;

export function barmanPlan(p: BarmanPlanInput): BarmanStep[] {
  const { server, target } = p;
  const host = server.barmanHost;
  const name = server.name;
  const retarget = p.previousTarget !== undefined && p.previousTarget !== target;
  const steps: BarmanStep[] = [];
  const step = (s: Omit<BarmanStep, 'host' | 'user'>): void => {
    steps.push({ host, user: BARMAN_USER, ...s });
  };

  if (!retarget && !p.confChanges && p.hasBackups) return steps; // nothing moved: nothing to do

  if (retarget) {
    step({
      command: dropStaleSlotCommand(p.version, target, barmanSlotName(host)),
      display: `drop slot ${barmanSlotName(host)} on ${target} if it lies before ${target}'s timeline`,
      why: `a slot ${barmanSlotName(host)} left on ${target} from before its promotion would make receive-wal ask for WAL ${target} never had`,
      alreadyDone: /^kept$/m,
    });
  }
  step({
    command: barman('receive-wal', '--create-slot', name),
    why: `replication slot ${barmanSlotName(host)} on ${target}`,
    alreadyDone: /already exists/,
  });
  if (retarget) {
    step({
      command: stopAndResetReceiveWal(name),
      display: barman('receive-wal', '--reset', name),
      why: `stop pg_receivewal if it still streams from ${p.previousTarget}, restart streaming on ${target}'s timeline`,
    });
  }
  step({ command: barman('cron'), why: 'start receive-wal' });
  step({
    command: waitForStreamingCommand(target, barmanSlotName(host)),
    display: `wait until slot ${barmanSlotName(host)} on ${target} is active`,
    why: `wait until pg_receivewal streams from ${target}`,
  });
  step({
    command: withWalNudge(barman('switch-wal', '--archive', '--archive-timeout', '60', name), target, 60, { first: true }),
    display: barman('switch-wal', '--archive', '--archive-timeout', '60', name),
    why: `make ${target} switch WAL and wait until Barman has archived the segment`,
  });
  if (retarget || !p.hasBackups) {
    step({
      command: withWalNudge(barman('backup', '--wait', name), target, 3600),
      display: barman('backup', '--wait', name),
      why: retarget ? `first base backup of ${target} on its timeline (the earlier backups stay listed)` : 'initial base backup',
    });
  }
  if (retarget) {
    const stale = [p.previousTarget!, ...(p.otherPostgresHosts ?? [])].filter((h, i, all) => h !== target && all.indexOf(h) === i);
    for (const h of stale) {
      step({
        command: dropSlotCommand(p.version, h, barmanSlotName(host)),
        why: `drop an unused Barman slot on ${h}, which would keep WAL there forever (or later hand Barman an old position)`,
        tolerateFailure: true,
      });
    }
  }
  return steps;
}

/**
 * `receive-wal --stop`, then `--reset`: the streamed WAL on disk ends on the
 * old timeline at a position the new primary may not serve, so streaming
 * restarts at the new slot's position on the new timeline. `barman cron`
 * (every minute) may start receive-wal again between the two; Barman's reset
 * then only says "Process is still running" (exit 0), and on a loaded host
 * pg_receivewal can take seconds to exit after the stop: so stop and retry,
 * about a second apart, a bounded number of times (5 were not enough at a
 * load of 16 on 2 cores).
 */
export function stopAndResetReceiveWal(server: string, attempts = 20): string {
  return [
    `i=0`,
    `while [ "$i" -lt ${attempts} ]; do`,
    `  i=$((i + 1))`,
    `  ${barman('receive-wal', '--stop', server)} >/dev/null 2>&1`,
    `  out=$(${barman('receive-wal', '--reset', server)} 2>&1); rc=$?`,
    `  printf '%s\n' "$out"`,
    `  case "$out" in *'still running'*) sleep 1 ;; *) exit "$rc" ;; esac`,
    `done`,
    `echo "receive-wal kept running after ${attempts} attempts to stop it" >&2`,
    `exit 1`,
  ].join('\n');
}
