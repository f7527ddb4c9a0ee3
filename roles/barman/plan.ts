/**
 * What to run so a Barman server backs up the right host: first setup, or a
 * retarget after the primary moved (a failover or a switchover). Pure: the
 * deploy supplies the facts (the target the server conf names now, whether
 * the server has backups) and runs the steps in order, stopping at the first
 * failure that is not marked tolerable, after writing the server conf. See
 * README.md for the reasoning.
 */
import { shellJoin } from '../common/shell.js';
import { dropInactiveSlotSql } from '../repmgr/sql.js';
import { BARMAN_BIN, BARMAN_USER } from './layout.js';
import { barmanSlotName, type BarmanServer } from './serverName.js';

export interface BarmanStep {
  /** Host the step runs on. */
  host: string;
  /** OS user it runs as. */
  user: 'barman' | 'postgres';
  /** Shell command; for kind 'sql', SQL for psql's stdin. */
  kind: 'shell' | 'sql';
  command: string;
  why: string;
  /** Output that means "already done" rather than failure (e.g. a slot that exists). */
  alreadyDone?: RegExp;
  /** A failure here is reported but does not stop the plan (the old primary may be gone). */
  tolerateFailure?: boolean;
}

export interface BarmanPlanInput {
  server: BarmanServer;
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

function barman(...args: string[]): string {
  return shellJoin([BARMAN_BIN, ...args]);
}

export function barmanPlan(p: BarmanPlanInput): BarmanStep[] {
  const { server, target } = p;
  const host = server.barmanHost;
  const name = server.name;
  const retarget = p.previousTarget !== undefined && p.previousTarget !== target;
  const steps: BarmanStep[] = [];
  const step = (s: Omit<BarmanStep, 'host' | 'user' | 'kind'> & Partial<Pick<BarmanStep, 'host' | 'user' | 'kind'>>): void => {
    steps.push({ host, user: BARMAN_USER, kind: 'shell', ...s });
  };

  if (!retarget && !p.confChanges && p.hasBackups) return steps; // nothing moved: nothing to do

  step({
    command: barman('receive-wal', '--create-slot', name),
    why: `replication slot ${barmanSlotName(host)} on ${target}`,
    alreadyDone: /already exists/,
  });
  if (retarget) {
    step({
      command: barman('receive-wal', '--stop', name),
      why: `stop pg_receivewal if it still streams from ${p.previousTarget}`,
      tolerateFailure: true,
    });
    // The streamed WAL on disk ends on the old timeline at a position the new primary may no
    // longer serve (its last old-timeline segment is renamed .partial at promotion): restart
    // streaming at the new slot's position on the new timeline.
    step({ command: barman('receive-wal', '--reset', name), why: `restart WAL streaming on ${target}'s timeline` });
  }
  step({ command: barman('cron'), why: 'start receive-wal' });
  step({
    command: barman('switch-wal', '--force', '--archive', '--archive-timeout', '60', name),
    why: `make ${target} switch WAL and wait until Barman has archived a segment`,
  });
  if (retarget || !p.hasBackups) {
    step({
      command: barman('backup', '--wait', name),
      why: retarget ? `first base backup of ${target} on its timeline (the earlier backups stay listed)` : 'initial base backup',
    });
  }
  if (retarget) {
    const stale = [p.previousTarget!, ...(p.otherPostgresHosts ?? [])].filter((h, i, all) => h !== target && all.indexOf(h) === i);
    for (const h of stale) {
      steps.push({
        host: h,
        user: 'postgres',
        kind: 'sql',
        command: dropInactiveSlotSql(barmanSlotName(host)),
        why: `drop an unused Barman slot on ${h}, which would keep WAL there forever (or later hand Barman an old position)`,
        tolerateFailure: true,
      });
    }
  }
  step({ command: barman('check', name), why: 'every check OK' });
  return steps;
}
