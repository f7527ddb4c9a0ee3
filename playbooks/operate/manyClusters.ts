/**
 * `m1 status` and `m1 test` over several cluster directories: every cluster
 * read at once, one line each (so a fleet fits on a screen), then the details
 * of the ones that need a look. A directory that cannot be read (no
 * config.yml, a bad key) is a line of its own, not the end of the run.
 */
import { resolve } from 'node:path';
import { HostError, M1Error } from '../../src/errors.js';
import { ExitCode } from '../../src/exitCodes.js';
import type { ClusterStatus } from './health.js';
import { formatBytes } from '../../src/products/postgres/lsn.js';
import { renderTable } from './table.js';

/** One directory's outcome: its value, or why it could not be read. */
export type Outcome<T> = { dir: string; value: T } | { dir: string; error: M1Error | Error };

/**
 * Runs `read` on every directory at once (each once, however it was
 * spelled), in the order given. Never rejects: a failure is that directory's
 * outcome.
 */
export async function eachCluster<T>(dirs: readonly string[], read: (dir: string) => Promise<T>): Promise<Outcome<T>[]> {
  const seen = new Set<string>();
  const unique = dirs.filter((d) => {
    const key = resolve(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return Promise.all(
    unique.map(async (dir): Promise<Outcome<T>> => {
      try {
        return { dir, value: await read(dir) };
      } catch (err) {
        return { dir, error: err instanceof Error ? err : new HostError(String(err)) };
      }
    }),
  );
}

/**
 * The exit status of a run over several clusters: the worst one. A directory
 * that could not be read counts with its own error's status (2 for a bad
 * config.yml), an unexpected error as 1.
 */
export function worstExit<T>(outcomes: readonly Outcome<T>[], exitOf: (value: T) => number): number {
  let worst: number = ExitCode.Ok;
  for (const o of outcomes) {
    const code = 'error' in o ? (o.error instanceof M1Error ? o.error.exitCode : ExitCode.Failed) : exitOf(o.value);
    worst = Math.max(worst, code);
  }
  return worst;
}

/** How long ago `endTime` (Barman's "YYYY-MM-DD HH:MM:SS...") was, in the unit a person reads. */
export function ageOf(endTime: string | undefined, now: Date): string {
  if (!endTime) return '';
  const t = Date.parse(endTime.replace(' ', 'T'));
  if (Number.isNaN(t)) return endTime;
  const s = Math.max(0, Math.round((now.getTime() - t) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

/** The largest replication lag among the cluster's standbys, when any reported one. */
export function maxLagBytes(s: ClusterStatus): number | undefined {
  const lags = s.hosts.map((h) => h.lagBytes).filter((x): x is number => x !== undefined);
  return lags.length === 0 ? undefined : Math.max(...lags);
}

/** The newest backup's age over the cluster's Barman servers ('none' without one, '' without Barman). */
export function lastBackupAge(s: ClusterStatus, now: Date): string {
  if (s.barman.length === 0) return '';
  const ends = s.barman.map((b) => b.lastBackup?.endTime).filter((x): x is string => x !== undefined);
  if (ends.length === 0) return 'none';
  const newest = ends.reduce((a, b) => (Date.parse(a.replace(' ', 'T')) >= Date.parse(b.replace(' ', 'T')) ? a : b));
  return ageOf(newest, now);
}

function primaryCell(s: ClusterStatus): string {
  if (s.primary) return s.primary;
  return s.primaries.length > 1 ? `${s.primaries.length} primaries: ${s.primaries.join(', ')}` : 'none';
}

/** `m1 status` over several clusters: one line each. Pure. */
export function statusSummary(outcomes: readonly Outcome<ClusterStatus>[], now = new Date()): string {
  return renderTable(
    ['cluster', 'primary', 'health', 'max lag', 'last backup'],
    outcomes.map((o) => {
      if ('error' in o) return [o.dir, '', `NOT READ: ${o.error.message.split('\n')[0]}`, '', ''];
      const s = o.value;
      const lag = maxLagBytes(s);
      const paused = s.failover.state === 'paused' ? ', failover PAUSED' : '';
      const health = `${s.healthy ? 'healthy' : `DEGRADED (${s.problems.length} problem${s.problems.length === 1 ? '' : 's'})`}${paused}`;
      return [s.cluster, primaryCell(s), health, lag === undefined ? '' : formatBytes(lag), lastBackupAge(s, now)];
    }),
  );
}

/** What `m1 test` reports per cluster, as the summary needs it. */
export interface TestSummary {
  cluster: string;
  passed: number;
  failed: string[];
  durationMs: number;
}

/** `m1 test` over several clusters: one line each. Pure. */
export function testSummary(outcomes: readonly Outcome<TestSummary>[]): string {
  return renderTable(
    ['cluster', 'result', 'checks', 'failed'],
    outcomes.map((o) => {
      if ('error' in o) return [o.dir, 'NOT RUN', '', o.error.message.split('\n')[0]!];
      const t = o.value;
      const total = t.passed + t.failed.length;
      return [t.cluster, t.failed.length === 0 ? 'PASS' : 'FAIL', `${t.passed}/${total} in ${(t.durationMs / 1000).toFixed(1)} s`, t.failed.join('; ')];
    }),
  );
}
